import { createHash, hash } from 'node:crypto';
import fs from 'node:fs';

/**
 * The program of `hashFile(file, knownSize, buffer)` and `hashOpen(fd,
 * knownSize, buffer)`, as text, so the worker threads that hash files run
 * the same code as this one (plain JavaScript, with `fs`, `createHash` and
 * `hash` in scope). Each returns the sha256 digest's 32 bytes, reading into
 * one reused buffer, so memory stays flat for any size and hashing thousands
 * of small files allocates no chunk. `knownSize` (from a stat just made): a
 * first read that returns exactly that many bytes, less than the buffer
 * holds, is the whole file, so no second read() looks for the end, and it
 * is hashed in one call (no hash object to make and collect).
 */
export const HASH_FILE_JS = `function hashOpen(fd, knownSize, buffer) {
  let read = fs.readSync(fd, buffer, 0, buffer.length, null);
  if (read === knownSize && read < buffer.length) return hash('sha256', buffer.subarray(0, read), 'buffer');
  const digest = createHash('sha256');
  for (; read > 0; read = fs.readSync(fd, buffer, 0, buffer.length, null)) digest.update(buffer.subarray(0, read));
  return digest.digest();
}
function hashFile(file, knownSize, buffer) {
  const fd = fs.openSync(file, 'r');
  try {
    return hashOpen(fd, knownSize, buffer);
  } finally {
    fs.closeSync(fd);
  }
}`;

type HashFile = (file: string, knownSize: number | undefined, buffer: Buffer) => Buffer;

const hashFile = new Function('fs', 'createHash', 'hash', `${HASH_FILE_JS}\nreturn hashFile;`)(
  fs,
  createHash,
  hash,
) as HashFile;

const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

/** sha256 (hex) of a file, as the hashing worker threads compute it (HASH_FILE_JS). */
export function hashFileSync(file: string, knownSize?: number): string {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  return hashFile(file, knownSize, buffer).toString('hex');
}
