import { createHash, hash } from 'node:crypto';
import fs from 'node:fs';
import { NOT_A_FILE } from './hash-turns.js';
import { fstatInto } from './raw-lstat.js';

/**
 * The program of `hashFile(file, knownSize, buffer)` and `hashOpen(fd,
 * knownSize, buffer)`, as text, so the worker threads that hash files run
 * the same code as this one (plain JavaScript, with `fs`, `createHash` and
 * `hash` in scope). Each returns the sha256 digest's 32 bytes, reading into
 * one reused buffer, so memory stays flat for any size and hashing thousands
 * of small files allocates no chunk. `knownSize` (from a stat just made): a
 * first read that returns exactly that many bytes, less than the buffer
 * holds, is the whole file, so no second read() looks for the end, and it
 * is hashed in one call (no hash object to make and collect), and `whole`
 * is its length (the file is then at the buffer's start; else -1).
 */
export const HASH_FILE_JS = `let whole = -1;
function hashOpen(fd, knownSize, buffer) {
  whole = -1;
  let read = fs.readSync(fd, buffer, 0, buffer.length, null);
  if (read === knownSize && read < buffer.length) {
    whole = read;
    return hash('sha256', buffer.subarray(0, read), 'buffer');
  }
  const digest = createHash('sha256');
  for (; read > 0; read = fs.readSync(fd, buffer, 0, buffer.length, null)) digest.update(buffer.subarray(0, read));
  return digest.digest();
}
function hashFile(file, knownSize, buffer) {
  whole = -1;
  const fd = fs.openSync(file, 'r');
  try {
    return hashOpen(fd, knownSize, buffer);
  } finally {
    fs.closeSync(fd);
  }
}`;

type HashFile = (file: string, knownSize: number | undefined, buffer: Buffer) => Buffer;

/**
 * The program of `hashUnstated(file, st, buffer)`, beside HASH_FILE_JS's
 * (with `fstatInto` from raw-lstat.ts's FSTAT_INTO_JS in scope): a file no
 * stat was taken of (the hash pass's UNSTATED), opened, then stat'ed
 * through its descriptor into `st` (size, changedMs, ino, mode), so its path
 * is walked once and no Stats object is made (O_NONBLOCK: opening a FIFO
 * does not wait for a writer); its digest when it is a regular file, else
 * NOT_A_FILE, or 2 when it cannot be read. One that cannot be opened is
 * stat'ed by its path, to tell a missing file from an unreadable one.
 */
export const HASH_UNSTATED_JS = `const { O_RDONLY, O_NONBLOCK, S_IFMT, S_IFREG } = fs.constants;
function hashUnstated(file, st, buffer) {
  whole = -1;
  let fd;
  try { fd = fs.openSync(file, O_RDONLY | O_NONBLOCK); } catch { fd = undefined; }
  if (fd === undefined) {
    let followed;
    try { followed = fs.statSync(file, { throwIfNoEntry: false }); } catch { followed = undefined; }
    return followed && followed.isFile() ? 2 : ${NOT_A_FILE};
  }
  try {
    // A pass's row: a file of several hard links marked (MANY_LINKS), as the stat pass marks it.
    fstatInto(fd, st, 0, true);
    if (!(st[0] >= 0) || (st[3] & S_IFMT) !== S_IFREG) return ${NOT_A_FILE};
    return hashOpen(fd, st[0], buffer);
  } catch {
    return 2;
  } finally {
    fs.closeSync(fd);
  }
}`;

const made = new Function(
  'fs',
  'createHash',
  'hash',
  'fstatInto',
  `${HASH_FILE_JS}\n${HASH_UNSTATED_JS}\nreturn { hashFile, hashUnstated, wholeRead: () => whole };`,
)(fs, createHash, hash, fstatInto) as {
  hashFile: HashFile;
  hashUnstated: (file: string, st: Float64Array, buffer: Buffer) => Buffer | number;
  wholeRead: () => number;
};
const { hashFile, wholeRead } = made;

const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

/** sha256 (hex) of a file, as the hashing worker threads compute it (HASH_FILE_JS). */
export function hashFileSync(file: string, knownSize?: number): string {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  return hashFile(file, knownSize, buffer).toString('hex');
}

/**
 * sha256 (hex) of a file no stat was taken of, opened once (HASH_UNSTATED_JS): its stat put in `st` (size,
 * changedMs, ino, mode); a number when it is not a regular file (NOT_A_FILE) or cannot be read (2).
 */
export function hashUnstatedSync(file: string, st: Float64Array): string | number {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  const got = made.hashUnstated(file, st, buffer);
  return typeof got === 'number' ? got : got.toString('hex');
}

/** The bytes hashFileSync or hashUnstatedSync just hashed, when it read the whole file at once (until the next call); else undefined. */
export function lastWholeFile(): Uint8Array | undefined {
  const n = wholeRead();
  return buffer && n >= 0 ? buffer.subarray(0, n) : undefined;
}
