import { createHash } from 'node:crypto';
import fs from 'node:fs';

const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

/**
 * sha256 of a file, read in 1 MiB chunks into one reused buffer, so memory
 * stays flat for any size and hashing thousands of small files allocates
 * nothing. `knownSize` (from a stat just made): a first read that returns
 * exactly that many bytes, less than a chunk, is the whole file, so no
 * second read() looks for the end.
 */
export function hashFileSync(file: string, knownSize?: number): string {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    for (let read = fs.readSync(fd, buffer, 0, CHUNK, null); read > 0; read = fs.readSync(fd, buffer, 0, CHUNK, null)) {
      hash.update(buffer.subarray(0, read));
      if (read === knownSize && read < CHUNK) break;
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * hashFileSync for the program of a worker thread (plain JavaScript, with
 * `fs` and `createHash` in scope): `hashFile(file, knownSize, buffer)`
 * returns the digest's 32 bytes. Tests check that the two agree.
 */
export const HASH_FILE_JS = `function hashFile(file, knownSize, buffer) {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    for (let read = fs.readSync(fd, buffer, 0, buffer.length, null); read > 0; read = fs.readSync(fd, buffer, 0, buffer.length, null)) {
      hash.update(buffer.subarray(0, read));
      if (read === knownSize && read < buffer.length) break;
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest();
}`;
