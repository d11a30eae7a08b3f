// The raw bytes of a stored blob as a stream, hashed while they flow: when
// they do not hash to the blob's name, the stream errors at its end with the
// error `corrupt` makes (the object store's, which also removes the blob).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { streams, zlib } from '../util/builtins.js';

export interface StoredBlob {
  file: string;
  isCompressed: boolean;
}

export function verifyingStream(found: StoredBlob, hash: string, corrupt: (actual: string) => Error): Readable {
  const source = fs.createReadStream(found.file, { highWaterMark: 256 * 1024 });
  const gunzip = found.isCompressed ? zlib().createGunzip() : undefined;
  const digest = createHash('sha256');
  const out = new (streams().Transform)({
    highWaterMark: 256 * 1024,
    transform(chunk: Buffer, _encoding, done) {
      digest.update(chunk);
      done(null, chunk);
    },
    flush: (done) => {
      const actual = digest.digest('hex');
      done(actual === hash ? undefined : corrupt(actual));
    },
  });
  // Wired by hand rather than with pipeline(): pipeline would hand the
  // consumer gunzip's own error, while a .gz blob that does not decompress
  // (garbage, truncated) is as corrupt as one whose content hashes wrong.
  const fail = (error: Error): void => {
    source.destroy();
    gunzip?.destroy();
    out.destroy(error);
  };
  source.on('error', fail);
  gunzip?.on('error', (error) => fail(corrupt(`not valid gzip: ${error.message}`)));
  // Closed early by the consumer (or done): release the file.
  out.on('close', () => {
    source.destroy();
    gunzip?.destroy();
  });
  (gunzip ? source.pipe(gunzip) : source).pipe(out);
  return out;
}
