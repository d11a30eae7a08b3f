// readmeflow/write: puts each package's section into its README between the
// markers (markers.ts), creating the README or appending the block when
// there is none. Everything outside the markers is kept byte for byte, CRLF
// included; a README whose text would not change is not written at all, so
// its mtime stays and nothing (no date, no run id) makes reruns differ.
//
// A map stage with an item cache whose key says whether the README is
// current, which the packages stage found out from its block hash:
//   - current (its block is the block this section renders to): the key is
//     the section alone, and a hit is right by construction, there is
//     nothing to write;
//   - anything else (stale, edited by hand, no block, no README): the key
//     includes the README's stamp (size, mtime, inode on this disk), which
//     the next write or edit changes, so a README that needs writing never
//     hits an entry made when it looked the same before. (Keyed on the
//     section alone, reverting a package would hit the entry from before
//     its edit and leave the edited block in place.)
// After a rewrite, the next run checks that README once more (current now,
// a key not seen yet; it writes nothing); the run after that hits.
//
// The stage declares no `outputs`: the runner would restore a changed README
// from its cache and so overwrite what a person wrote outside the markers.
import { defineMap } from '../../src/api.js';
import type { ItemContext } from '../../src/api.js';
import { blockHash, blockText, mergeBlock } from './markers.js';
import type { OutlineRecord, WriteRecord } from './types.js';
import { NotUtf8Error, readTextIfExists } from '../lib/text-file.js';
import { canonicalJson, writeAtomic } from './util.js';

export function writeReadme(item: OutlineRecord, ctx: Pick<ItemContext, 'workspace' | 'log'>): WriteRecord {
  const file = ctx.workspace.resolve(item.readme.path);
  let existing: string | undefined;
  try {
    existing = readTextIfExists(file);
  } catch (error) {
    if (!(error instanceof NotUtf8Error)) throw error;
    throw new Error(
      `${item.readme.path} ${error.message}: readmeflow keeps the text outside its markers byte for byte and cannot keep these bytes; save the README as UTF-8`,
    );
  }
  let merged: ReturnType<typeof mergeBlock>;
  try {
    merged = mergeBlock(existing, item.markdown);
  } catch (error) {
    throw new Error(
      `${item.readme.path} ${(error as Error).message}; fix the markers by hand, readmeflow will not guess`,
    );
  }
  if (merged.action !== 'unchanged') writeAtomic(file, merged.text);
  ctx.log(`${item.readme.path}: ${merged.action}`);
  return { dir: item.dir, name: item.name, readme: item.readme.path, block: blockHash(blockText(item.markdown)) };
}

export function writeKey(item: OutlineRecord): string {
  const isCurrent = item.readme.block === blockHash(blockText(item.markdown));
  if (isCurrent)
    return `current\0${canonicalJson({ dir: item.dir, name: item.name, readme: item.readme.path, markdown: item.markdown })}`;
  return `stale\0${canonicalJson(item)}`;
}

export const write = defineMap<OutlineRecord, WriteRecord>({ key: writeKey, run: writeReadme });
