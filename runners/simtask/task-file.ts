// A task file is shared between simtask and people: simtask owns its front
// matter keys (FRONT_MATTER_KEYS) and the text between the markers; people
// own everything else: front matter keys they add, text before the first
// marker and after the last. Merging puts a fresh render into an existing
// file under those rules, so an unchanged cluster gives a byte-identical
// file and a person's notes survive every run.

import { lineEnding } from '../lib/text-file.js';

export const BEGIN = '<!-- SIMTASK:BEGIN -->';
export const END = '<!-- SIMTASK:END -->';
export const FRONT_MATTER_KEYS = [
  'id',
  'title',
  'cluster',
  'size',
  'similarity',
  'priority',
  'labels',
  'stale',
] as const;
const OURS = new Set<string>(FRONT_MATTER_KEYS);

export interface Rendered {
  /** `key: value` lines, in FRONT_MATTER_KEYS order. */
  frontMatter: string[];
  /** The text between the markers, without them. */
  body: string;
}

interface Parsed {
  /** Front matter blocks (a `key:` line and its indented continuation lines), keyed. */
  blocks: { key: string; text: string }[];
  /** Text between the front matter and BEGIN (everything after the front matter when there are no markers). */
  before: string;
  /** Text after END; undefined when the file has no (well-ordered) markers. */
  after: string | undefined;
  body: string | undefined;
}

export function parseTask(text: string): Parsed {
  let rest = text;
  const blocks: Parsed['blocks'] = [];
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (match) {
    rest = text.slice(match[0].length);
    for (const line of (match[1] ?? '').split(/\r?\n/)) {
      const key = /^([A-Za-z_][\w-]*)\s*:/.exec(line)?.[1];
      const last = blocks.at(-1);
      if (key !== undefined || !last) blocks.push({ key: key ?? '', text: line });
      else last.text += `\n${line}`;
    }
  }
  const begin = rest.indexOf(BEGIN);
  const end = rest.lastIndexOf(END);
  if (begin === -1 || end === -1 || end < begin) return { blocks, before: rest, after: undefined, body: undefined };
  return {
    blocks,
    before: rest.slice(0, begin),
    after: rest.slice(end + END.length),
    body: rest.slice(begin + BEGIN.length, end),
  };
}

/**
 * The file's text after this run: the render inside, the person's parts
 * kept. Our parts take the file's line ends, so a file checked out with
 * CRLF (git's autocrlf) is unchanged by a run that changes nothing, and a
 * changed one does not end up with two kinds of line end.
 */
export function mergeTask(existing: string | undefined, rendered: Rendered): string {
  if (existing === undefined) return compose(rendered.frontMatter, '\n', rendered.body, '\n', '\n');
  const eol = lineEnding(existing);
  const parsed = parseTask(existing);
  const theirs = parsed.blocks.filter((block) => !OURS.has(block.key)).map((block) => block.text);
  const frontMatter = [...rendered.frontMatter, ...theirs];
  if (parsed.after === undefined) {
    // Markers gone (a person removed them): their whole text stays, a fresh block goes after it.
    const kept = parsed.before.replace(/\s+$/, '');
    return compose(frontMatter, kept === '' ? eol : `${eol}${kept}${eol}${eol}`, rendered.body, eol, eol);
  }
  return compose(frontMatter, parsed.before, rendered.body, parsed.after, eol);
}

/**
 * A task file whose cluster is gone. Untouched by people (only simtask's
 * front matter keys, nothing outside the markers): remove it, nobody loses
 * anything. Otherwise keep it, with `stale: true` and a notice between the
 * markers, so the notes a person wrote there stay until they delete it.
 */
export function staleTask(existing: string, notice: string): { action: 'remove' } | { action: 'mark'; text: string } {
  const parsed = parseTask(existing);
  const isUntouched =
    parsed.after !== undefined &&
    parsed.blocks.every((block) => OURS.has(block.key)) &&
    parsed.before.trim() === '' &&
    parsed.after.trim() === '';
  if (isUntouched) return { action: 'remove' };
  const frontMatter = FRONT_MATTER_KEYS.flatMap((key) => {
    if (key === 'stale') return ['stale: true'];
    return parsed.blocks.filter((block) => block.key === key).map((block) => block.text);
  });
  return { action: 'mark', text: mergeTask(existing, { frontMatter, body: `\n${notice}\n` }) };
}

/** Whether a markdown file is a simtask task file (and so ours to update or retire). */
export function isTaskFile(text: string): boolean {
  const parsed = parseTask(text);
  return parsed.body !== undefined && parsed.blocks.some((block) => block.key === 'cluster');
}

/** `before` and `after` are the person's, as they are; the rest is ours, written with `eol`. */
function compose(frontMatter: string[], before: string, body: string, after: string, eol: '\n' | '\r\n'): string {
  const ours = (text: string): string => (eol === '\n' ? text : text.replace(/\r?\n/g, eol));
  return `---${eol}${ours(frontMatter.join('\n'))}${eol}---${eol}${before}${BEGIN}${ours(body)}${END}${after}`;
}
