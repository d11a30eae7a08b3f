// boardrev/frontmatter: one record per task file of the board, after
// making sure its front matter has id (from the path, the first time),
// title (from the first heading), status (default todo) and priority
// (default P3).
//
// A repair splices text into the file: missing keys are appended as new
// lines at the end of the YAML block, a value spelled another way (`doing`)
// is replaced in place by its canonical form (`in-progress`); comments, key
// order, quoting and the body (every byte after the closing `---` line)
// stay as they were. A file without front matter gets a block in front of
// its unchanged bytes. Repairing a repaired file changes nothing
// (idempotent), and front matter that cannot be read (invalid YAML, not a
// mapping, no closing line) is reported, never rewritten. Files are written
// atomically, and only when they change.
//
// It writes to its own inputs, so it is an in-place stage (`cache: {
// inPlace: true }` in pipelines.yaml): each task is cached under the key of
// its file as repaired, never as it was, so an unchanged board is all
// cached and a task file reverted to its unrepaired text is repaired again.
// That is sound because the repair is idempotent and a record is a function
// of the repaired content only: run on its own result, the stage changes
// nothing and returns the same record.
import fs from 'node:fs';
import path from 'node:path';
import { Document, isMap, isScalar, parseDocument } from 'yaml';
import type { FileItem, ItemContext } from '../../src/api.js';
import { notUtf8, writeTextAtomic } from '../lib/text-file.js';
import type { TaskRecord } from './types.js';
import { DEFAULT_PRIORITY, DEFAULT_STATUS, normalisePriority, normaliseStatus } from './vocabulary.js';

export interface ParsedTaskFile {
  /** `\uFEFF` when the file starts with a byte order mark (kept in front of the block). */
  bom: string;
  /** The YAML between the delimiters, or undefined when the file has none. */
  yaml?: string;
  /** Offset of the YAML text in the file (after the BOM and the opening line). */
  yamlStart: number;
  /** Everything after the closing delimiter line (the whole file, BOM aside, when there is no block). */
  body: string;
  newline: '\n' | '\r\n';
  problems: string[];
}

const OPENING = /^---[ \t]*\r?\n/;
const CLOSING = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/m;

export function parseTaskFile(text: string): ParsedTaskFile {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const rest = text.slice(bom.length);
  const newline = /\r\n/.test(rest.slice(0, rest.indexOf('\n') + 1)) ? '\r\n' : '\n';
  const opening = OPENING.exec(rest);
  if (!opening) return { bom, yamlStart: bom.length, body: rest, newline, problems: [] };
  const afterOpening = rest.slice(opening[0].length);
  const closing = CLOSING.exec(afterOpening);
  if (!closing)
    return {
      bom,
      yamlStart: bom.length,
      body: rest,
      newline,
      problems: ['front matter has no closing `---` line; left as it is'],
    };
  return {
    bom,
    yaml: afterOpening.slice(0, closing.index),
    yamlStart: bom.length + opening[0].length,
    body: afterOpening.slice(closing.index + closing[0].length),
    newline,
    problems: [],
  };
}

export interface Repair {
  /** The file's new text (the same string when nothing needed repairing). */
  text: string;
  isChanged: boolean;
  /** What was added or normalised, for the stage log (`added id`, `status doing -> in-progress`). */
  changes: string[];
  record: TaskRecord;
}

/** `examples/board/engine/item-cache.md` under `examples/board` -> `engine-item-cache`. */
export function idFromPath(file: string, board: string): string {
  const relative = path.posix.relative(board.replace(/\/+$/, ''), file);
  const inside = relative.startsWith('..') ? file : relative;
  return inside
    .replace(/\.md$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The text of the first ATX heading outside code fences, if any. */
export function firstHeading(body: string): string | undefined {
  let fence: string | undefined;
  for (const line of body.split('\n')) {
    const marker = /^\s{0,3}(```|~~~)/.exec(line)?.[1];
    if (marker) fence = fence === undefined ? marker : fence === marker ? undefined : fence;
    else if (fence === undefined) {
      const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line.replace(/\r$/, ''));
      if (heading?.[1]) return heading[1];
    }
  }
  return undefined;
}

function titleFromPath(file: string): string {
  const words = path.posix.basename(file).replace(/\.md$/i, '').replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function yamlValue(value: string): string {
  return new Document(value).toString({ lineWidth: 0 }).trimEnd();
}

export function repairTaskFile(text: string, options: { path: string; board: string }): Repair {
  const parsed = parseTaskFile(text);
  const problems = [...parsed.problems];
  const changes: string[] = [];
  const nl = parsed.newline;
  let data: Record<string, unknown> = {};
  let isRepairable = parsed.problems.length === 0;
  const doc = parsed.yaml === undefined ? undefined : parseDocument(parsed.yaml);
  if (doc && doc.errors.length > 0) {
    problems.push(
      `front matter is not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? 'parse error'}); left as it is`,
    );
    isRepairable = false;
  } else if (doc && doc.contents !== null && !(isMap(doc.contents) && !doc.contents.flow)) {
    problems.push('front matter is not a block mapping of keys to values; left as it is');
    isRepairable = false;
  } else if (doc) {
    data = (doc.toJS() as Record<string, unknown> | null) ?? {};
  }

  // Replacements inside the YAML text, by offset; appended lines at its end.
  const splices: { start: number; end: number; text: string }[] = [];
  const appended: string[] = [];
  const ensure = (key: string, value: string): string => {
    const current = data[key];
    if (current === undefined || current === null || (typeof current === 'string' && current.trim() === '')) {
      if (current !== undefined && doc && isMap(doc.contents)) {
        const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key);
        const range = pair && isScalar(pair.value) ? pair.value.range : undefined;
        // `status:` with nothing after it is an empty range right after the colon.
        if (range)
          splices.push({
            start: range[0],
            end: range[1],
            text: `${range[0] === range[1] ? ' ' : ''}${yamlValue(value)}`,
          });
        else appended.push(`${key}: ${yamlValue(value)}`);
      } else appended.push(`${key}: ${yamlValue(value)}`);
      changes.push(`added ${key}`);
      return value;
    }
    return typeof current === 'string' ? current : String(current);
  };
  const normalise = (key: string, raw: unknown, canonical: string | undefined): void => {
    if (canonical === undefined || typeof raw !== 'string' || raw === canonical || !doc || !isMap(doc.contents)) return;
    const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key);
    const range = pair && isScalar(pair.value) ? pair.value.range : undefined;
    if (!range) return;
    splices.push({ start: range[0], end: range[1], text: yamlValue(canonical) });
    changes.push(`${key} ${raw} -> ${canonical}`);
  };

  const id = ensure('id', idFromPath(options.path, options.board));
  const title = ensure('title', firstHeading(parsed.body) ?? titleFromPath(options.path));
  const declaredStatus = ensure('status', DEFAULT_STATUS);
  const status = normaliseStatus(declaredStatus);
  if (status === undefined)
    problems.push(`unknown status "${declaredStatus}" (known: todo, in-progress, review, done, blocked)`);
  else normalise('status', data.status, status);
  const declaredPriority = ensure('priority', DEFAULT_PRIORITY);
  const priority = normalisePriority(declaredPriority);
  if (priority === undefined) problems.push(`unknown priority "${declaredPriority}" (known: P0 to P4)`);
  else normalise('priority', data.priority, priority);

  const record: TaskRecord = {
    id,
    path: options.path,
    title,
    status: status ?? declaredStatus.trim().toLowerCase(),
    priority: priority ?? declaredPriority,
    labels: labelsOf(data.labels ?? data.tags),
    body: parsed.body,
    problems,
  };
  if (!isRepairable || changes.length === 0) return { text, isChanged: false, changes: [], record };
  return { text: spliced(text, parsed, splices, appended, nl), isChanged: true, changes, record };
}

function spliced(
  text: string,
  parsed: ParsedTaskFile,
  splices: { start: number; end: number; text: string }[],
  appended: string[],
  nl: string,
): string {
  if (parsed.yaml === undefined)
    return `${parsed.bom}---${nl}${appended.map((line) => line + nl).join('')}---${nl}${parsed.body}`;
  let yaml = parsed.yaml;
  for (const splice of [...splices].sort((a, b) => b.start - a.start))
    yaml = yaml.slice(0, splice.start) + splice.text + yaml.slice(splice.end);
  if (appended.length > 0) {
    if (yaml !== '' && !yaml.endsWith('\n')) yaml += nl;
    yaml += appended.map((line) => line + nl).join('');
  }
  const start = parsed.yamlStart;
  return text.slice(0, start) + yaml + text.slice(start + parsed.yaml.length);
}

function labelsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return list.map((label) => String(label).trim()).filter((label) => label !== '');
}

export function frontmatter(item: FileItem, ctx: ItemContext): TaskRecord {
  const file = ctx.workspace.resolve(item.path);
  const bytes = fs.readFileSync(file);
  const repair = repairTaskFile(bytes.toString('utf8'), { path: item.path, board: String(ctx.params.board) });
  // Its text has U+FFFD for the bytes that are not UTF-8: written back, they would be lost.
  const encoding = notUtf8(bytes);
  if (encoding) repair.record.problems.push(`${encoding.message}; left as it is: save it as UTF-8`);
  else if (repair.isChanged) {
    writeTextAtomic(file, repair.text);
    ctx.log(`${item.path}: ${repair.changes.join(', ')}`);
  }
  for (const problem of repair.record.problems) ctx.log(`${item.path}: ${problem}`);
  return repair.record;
}
