// Small helpers shared by the readmeflow stages: hashing, canonical JSON for
// cache keys, POSIX paths, and reads and atomic writes of text files.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { jsonMistake } from '../lib/json-syntax.js';
import { linkDestination } from '../lib/markdown-link.js';
import { compare } from '../lib/order.js';

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with sorted keys: equal values give equal text, whatever order their keys were built in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compare(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export { compare };

/** `a/b/../c` -> `a/c`; `.` for the empty path. Always forward slashes. */
export function posixJoin(...parts: string[]): string {
  return path.posix.normalize(path.posix.join(...parts.map((p) => p.split(path.sep).join('/'))));
}

/** A path relative to `from` (both POSIX, workspace-relative), `.`-prefixed and encoded for markdown links. */
export function relativeLink(from: string, to: string): string {
  const relative = path.posix.relative(from, to);
  return linkDestination(relative.startsWith('.') ? relative : `./${relative}`);
}

/** Whether `dir` is `parent` or lies below it (POSIX, workspace-relative, normalised). */
export function isWithin(parent: string, dir: string): boolean {
  return parent === '.' || dir === parent || dir.startsWith(`${parent}/`);
}

export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * The file's JSON, or undefined when there is no file. Invalid JSON throws
 * `<name>:<line>:<column>: <what is wrong>`, `name` being the file as the
 * person knows it (workspace-relative).
 */
export function readJson(file: string, name = file): unknown {
  // A byte order mark is no column an editor shows.
  const text = readIfExists(file)?.replace(/^\uFEFF/, '');
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const mistake = jsonMistake(text);
    if (!mistake) throw new Error(`${name}: invalid JSON: ${(error as Error).message}`);
    throw new Error(`${name}:${mistake.line}:${mistake.column}: ${mistake.message}`);
  }
}

/**
 * JSON with comments and trailing commas, as tsconfig.json allows; undefined
 * when there is no file. Text that is not such JSON is undefined too, once
 * `onMistake` has been given `<name>:<line>:<column>: <what is wrong>`,
 * `name` being the file as the person knows it (workspace-relative); the
 * caller decides whether that stops anything.
 */
export function readJsonc(file: string, name: string, onMistake: (message: string) => void): unknown {
  // A byte order mark, as Visual Studio saves tsconfig.json: tsc reads past it, so must we.
  const text = readIfExists(file)?.replace(/^\uFEFF/, '');
  if (text === undefined) return undefined;
  // Comments and trailing commas become spaces, never nothing, so a mistake's line and column are the file's.
  let json = '';
  /** Where in `json` the last comma outside a string is, while only spaces follow it (-1: none). */
  let comma = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') {
      const end = stringEnd(text, i);
      json += text.slice(i, end);
      i = end - 1;
      comma = -1;
    } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const end = text[i + 1] === '/' ? lineEnd(text, i) : commentEnd(text, i);
      json += text.slice(i, end).replace(/[^\r\n]/g, ' ');
      i = end - 1;
    } else {
      // A comma right before a closing bracket (comments and spaces between) is a trailing one.
      if ((c === '}' || c === ']') && comma !== -1) json = `${json.slice(0, comma)} ${json.slice(comma + 1)}`;
      if (c === ',') comma = json.length;
      else if (!/\s/.test(c)) comma = -1;
      json += c;
    }
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    const mistake = jsonMistake(json);
    onMistake(
      mistake
        ? `${name}:${mistake.line}:${mistake.column}: ${mistake.message}`
        : `${name}: invalid JSON: ${(error as Error).message}`,
    );
    return undefined;
  }
}

/** Index of the line feed that ends the line `start` is on (the text's length on the last line). */
function lineEnd(text: string, start: number): number {
  const end = text.indexOf('\n', start);
  return end === -1 ? text.length : end;
}

/** Index just past the block comment that starts at `start` (the text's length when it is never closed). */
function commentEnd(text: string, start: number): number {
  const close = text.indexOf('*/', start + 2);
  return close === -1 ? text.length : close + 2;
}

/** Index just past the string literal that starts at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

// Temp file and rename, the mode kept, through symbolic links: see runners/lib/text-file.ts.
export { writeTextAtomic as writeAtomic } from '../lib/text-file.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
