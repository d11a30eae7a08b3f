// Lists the stat cache keeps that are derived from a file's content (a
// module's imports), by kind and content hash: each computed once.

export class DerivedLists {
  /** Every list, as the stat cache file keeps them. */
  readonly all: Record<string, string[]>;
  /** Lists made since the last load or save (what a save appends). */
  readonly #changed = new Set<string>();

  constructor(all: Record<string, string[]>) {
    this.all = all;
  }

  get isChanged(): boolean {
    return this.#changed.size > 0;
  }

  /** The list of kind `kind` for content hash `hash`, computed by `derive` the first time. */
  get(kind: string, hash: string, derive: () => string[]): string[] {
    const key = `${kind}:${hash}`;
    const known = this.all[key];
    if (known !== undefined && Object.hasOwn(this.all, key)) return known;
    const value = derive();
    this.all[key] = value;
    this.#changed.add(key);
    return value;
  }

  /** The lists made since the last save. */
  changed(): Record<string, string[]> {
    return Object.fromEntries([...this.#changed].map((key) => [key, this.all[key] as string[]]));
  }

  /** After a save: nothing made since. */
  saved(): void {
    this.#changed.clear();
  }
}
