import { createHash } from 'node:crypto';
import fs from 'node:fs';

const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

/** sha256 of a file, read in 1 MiB chunks so memory stays flat for any size. */
export function hashFileSync(file: string, knownSize?: number): string {
  // Small files (most inputs) in one read: no second read() to find the end.
  if (knownSize !== undefined && knownSize < CHUNK) return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  buffer ??= Buffer.allocUnsafe(CHUNK);
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    for (let read = fs.readSync(fd, buffer, 0, CHUNK, null); read > 0; read = fs.readSync(fd, buffer, 0, CHUNK, null)) {
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
