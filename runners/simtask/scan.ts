// simtask/scan: one file in, one record per function out. Runs in worker
// threads (isolate: worker): parsing is CPU-bound and files are independent.
// The item cache is keyed by the item ({ path, hash }), so a rerun parses
// only files whose content changed.
import fs from 'node:fs';
import { defineMap } from '../../src/api.js';
import type { FileItem, ItemContext } from '../../src/api.js';
import { notUtf8 } from '../lib/text-file.js';
import type { ScanRecord } from './types.js';

// The TypeScript compiler (9 MB of JavaScript) is loaded by setup(), in the
// worker threads only: the runner also loads this module on its main
// thread, which never parses.
let extractor: Promise<typeof import('./extract.js')> | undefined;
const loadExtractor = (): Promise<typeof import('./extract.js')> => (extractor ??= import('./extract.js'));

// Generated bundles and minified files are not code anyone consolidates by
// hand, and parsing them costs more than the rest of a repository.
const MAX_FILE_BYTES = 1024 * 1024;

export async function scanFile(
  item: FileItem,
  ctx: Pick<ItemContext, 'workspace' | 'log' | 'read'>,
): Promise<ScanRecord[]> {
  const absolute = ctx.workspace.resolve(item.path);
  const size = fs.statSync(absolute).size;
  if (size > MAX_FILE_BYTES) {
    ctx.log(`skipped ${item.path}: ${size} bytes is more than ${MAX_FILE_BYTES}`);
    return [];
  }
  // The bytes the item's hash was taken from: a file edited during the run fails its item, not its key.
  const bytes = ctx.read(item);
  // Decoded anyway, each byte that is not UTF-8 would be U+FFFD in the function's code and signature.
  const encoding = notUtf8(bytes);
  if (encoding) {
    ctx.log(`skipped ${item.path}: it ${encoding.message}; save it as UTF-8 to have its functions compared`);
    return [];
  }
  const { extractFunctions } = await loadExtractor();
  return extractFunctions(item.path, bytes.toString('utf8'));
}

export const scan = defineMap<FileItem, ScanRecord[]>({ run: scanFile, setup: loadExtractor });
