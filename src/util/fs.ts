import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { messageOf } from './errors.js';

/** Whether a stat's mode is a regular file's. */
export function isRegularMode(mode: number): boolean {
  return (mode & fs.constants.S_IFMT) === fs.constants.S_IFREG;
}

/** Whether a stat's mode is a directory's. */
export function isDirectoryMode(mode: number): boolean {
  return (mode & fs.constants.S_IFMT) === fs.constants.S_IFDIR;
}

/** Writes through a temp file and rename, so readers never see half a file. */
export function writeFileAtomic(
  file: string,
  data: string | Uint8Array | readonly Uint8Array[] | ((fd: number) => void),
): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) fs.writeFileSync(temp, data);
    else if (typeof data === 'function') writeWith(temp, data);
    else writeParts(temp, data);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/** Has `write` write the whole of `file` through its descriptor. */
function writeWith(file: string, write: (fd: number) => void): void {
  const fd = fs.openSync(file, 'w');
  try {
    write(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `parts` one after another as the whole of `file`, without joining them first. */
function writeParts(file: string, parts: readonly Uint8Array[]): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const part of parts) for (let at = 0; at < part.length; ) at += fs.writeSync(fd, part, at, part.length - at);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What `file` holds as JSON (and its text): undefined when there is no such file,
 * `{ problem }` when it cannot be read or is not JSON (cut short, overwritten).
 * The value is unchecked: see src/util/shape.ts.
 */
export function readJsonFile(file: string): { value: unknown; text: string } | { problem: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { problem: `cannot be read (${messageOf(error)})` };
  }
  try {
    return { value: JSON.parse(text) as unknown, text };
  } catch (error) {
    return { problem: `not JSON (${messageOf(error)})` };
  }
}

export function readJsonOrUndefined<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * A path named in a pipeline (a pattern's match, a param, an item's path)
 * as an absolute one: a relative path is relative to the workspace root, an
 * absolute one stays as it is.
 */
export function inWorkspace(root: string, file: string): string {
  // A plain relative path (no `.` or `..` segment, no empty one) under a
  // plain absolute root: the two joined are what path.resolve gives, at a
  // tenth of its cost (an item function calls this once per item).
  if (path.sep === '/' && root.startsWith('/') && !NOT_PLAIN.test(file) && !NOT_PLAIN.test(root.slice(1)))
    return `${root}/${file}`;
  return path.resolve(root, file);
}

/** An absolute path, an empty one, or one with an empty, `.` or `..` segment or a trailing slash. */
const NOT_PLAIN = /^$|^\/|\/$|\/\/|(^|\/)\.\.?(\/|$)/;

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
