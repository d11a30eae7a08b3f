export interface SlugOptions {
  /** Joins the words; `-` by default. */
  separator?: string;
  /** Longest slug, cut at a word boundary. */
  maxLength?: number;
}

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** `Hello, World!` -> `hello-world`. */
export function slugify(text: string, options: SlugOptions = {}): string {
  const separator = options.separator ?? '-';
  const words = text
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  let slug = words.join(separator);
  if (options.maxLength !== undefined && slug.length > options.maxLength) {
    const cut = slug.lastIndexOf(separator, options.maxLength);
    slug = slug.slice(0, cut > 0 ? cut : options.maxLength);
  }
  return slug;
}
