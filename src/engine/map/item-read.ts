// ctx.read(item): the content of a map item's file, the very bytes its
// hash (and so its cache key) was taken from. On the main thread of a cold
// map over files they come from what the hash pass read (KeptFiles), so
// the run reads each file once; anywhere else the file is read here and
// checked: by its stat where the run's stat cache vouches for the item's
// hash at that stat (as a no-op run trusts it), else by its sha256. A file
// changed since the run hashed it fails its item, rather than give a
// result its key does not describe.
import fs from 'node:fs';
import type { JsonRecord } from '../../api.js';
import { sha256 } from '../../util/hash.js';
import { inWorkspace } from '../../util/fs.js';
import { lowerBound } from '../../util/sorted.js';
import type { KeptFiles } from '../key-list.js';
import { fileHash, MISSING } from '../../cache/list-text.js';
import { fstatInto } from '../../cache/raw-lstat.js';
import type { FileStat } from '../../cache/stat-cache.js';
import type { FileHashes } from '../../cache/list-text.js';

export type ReadItem = {
  (item: JsonRecord): Buffer;
  (item: JsonRecord, encoding: BufferEncoding): string;
};

/** Where ctx.read finds a stage's files. */
export interface ItemFiles {
  root: string;
  /** The stage's id, for its errors. */
  stage: string;
  /** The stage's foreach files (sorted, as its items' paths are), on the thread that has kept bytes. */
  files?: readonly string[];
  /** Their hashes (what the kept bytes were hashed to). */
  hashes?: FileHashes;
  kept?: KeptFiles;
  /**
   * The hash the run's stat cache vouches for, for a file of this stat (not changed since it was hashed,
   * nor too recently to tell): a file read again whose stat it vouches for needs no sha256 of its bytes.
   */
  vouched?: (file: string, st: FileStat) => string | undefined;
  /** A remote worker's `host (pid N)`: its files are its own checkout's, not the run's. */
  worker?: string;
}

/** ctx.read for the items of a map over files. */
export function itemReader(where: ItemFiles): ReadItem {
  const { files, hashes, kept } = where;
  /** Where the last item read was in `files`: items are mostly read in order. */
  let near = 0;
  const indexOf = (file: string): number => {
    if (!files) return -1;
    if (files[near] === file) return near;
    if (files[near + 1] === file) return ++near;
    const at = lowerBound(files, file);
    if (files[at] !== file) return -1;
    near = at;
    return at;
  };
  function read(item: JsonRecord, encoding?: BufferEncoding): Buffer | string {
    const { path: file, hash } = fileItemOf(item, where.stage);
    // Kept bytes are the file's as hashed for its key: they serve an item of that very hash.
    const i = kept && hashes ? indexOf(file) : -1;
    const isKept = i >= 0 && hashes !== undefined && fileHash(hashes, i) === hash;
    if (encoding === undefined) return (isKept ? kept?.bytes(i) : undefined) ?? readChecked(where, file, hash);
    return (isKept ? kept?.text(i, encoding) : undefined) ?? readChecked(where, file, hash).toString(encoding);
  }
  return read as ReadItem;
}

/** ctx.read where a stage's items are not files. */
export function noItemReader(stage: string, what: string): ReadItem {
  return (() => {
    throw new Error(
      `${stage}: ctx.read(item) reads the file of an item of a map over files (foreach: { files }); ${what}`,
    );
  }) as ReadItem;
}

function fileItemOf(item: JsonRecord, stage: string): { path: string; hash: string } {
  const { path: file, hash } = (item ?? {}) as { path?: unknown; hash?: unknown };
  if (typeof file !== 'string' || typeof hash !== 'string')
    throw new Error(`${stage}: ctx.read(item) takes an item of the stage ({ path, hash }), not ${describe(item)}`);
  return { path: file, hash };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The file read here, when its content is still the one its item was hashed
 * from: its stat as the stat cache vouches for that hash, or else its sha256.
 */
function readChecked(where: ItemFiles, file: string, hash: string): Buffer {
  if (hash === MISSING) throw new Error(`${file}: missing when the run listed the stage's files`);
  let fd: number;
  try {
    fd = fs.openSync(inWorkspace(where.root, file), 'r');
  } catch (error) {
    if (where.worker === undefined || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(
      `${file} is not on worker host ${where.worker}: check out the run's commit there (a worker sees no uncommitted file)`,
    );
  }
  let bytes: Buffer;
  try {
    if (where.vouched) {
      fstatInto(fd, one, 0);
      const st = { size: one[0] as number, changedMs: one[1] as number, ino: one[2] as number, mode: one[3] as number };
      if (where.vouched(file, st) === hash) return fs.readFileSync(fd);
    }
    bytes = fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const now = sha256(bytes);
  if (now !== hash && where.worker !== undefined)
    throw new Error(
      `${file} on worker host ${where.worker} is not the run's (${now.slice(0, 12)} vs ${hash.slice(0, 12)}, worker vs run): check out the run's commit there (a worker sees no uncommitted edit)`,
    );
  if (now !== hash)
    throw new Error(
      `${file} changed after the run hashed it (${hash.slice(0, 12)}, now ${now.slice(0, 12)}): its result would not be the one its key names; run again`,
    );
  return bytes;
}

const one = new Float64Array(4);
