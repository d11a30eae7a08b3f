// Which blobs were last known sound, by the stat they had then
// (.runner/blob-checks.json). A task or map stage's records live only in the
// object store, so deciding that such a stage is cached asks whether its
// records are still sound, as it asks of its output files. A blob whose size,
// ctime and inode are as when this workspace wrote or verified it is taken as
// sound without being read (a no-op run reads no blob); one changed since is
// read and verified. No racy window as in the stat cache: a blob is
// written once, by a rename, and what changes it under an unchanged stat
// (a write within the same timestamp tick, bit rot) is still caught where it
// is read, since readers verify a blob before they hand out its content.
import fs from 'node:fs';
import { readJsonOrUndefined, writeFileAtomic } from '../util/fs.js';
import { fileStatOf } from './raw-lstat.js';

type Stamp = [size: number, changedMs: number, ino: number];

interface ChecksFile {
  format: number;
  blobs: Record<string, Stamp>;
}

const FORMAT = 1;

export class BlobChecks {
  readonly #file: string;
  readonly #stamps: Map<string, Stamp>;
  #isDirty = false;

  constructor(file: string) {
    this.#file = file;
    const loaded = readJsonOrUndefined<ChecksFile>(file);
    this.#stamps = new Map(loaded?.format === FORMAT ? Object.entries(loaded.blobs) : []);
  }

  /** Whether `file`, the blob of `hash`, has the stat it had when last known sound. */
  isSound(hash: string, st: { size: number; changedMs: number; ino: number }): boolean {
    const stamp = this.#stamps.get(hash);
    return stamp !== undefined && stamp[0] === st.size && stamp[1] === st.changedMs && stamp[2] === st.ino;
  }

  /** Notes that `file`, the blob of `hash`, is sound now (just written, or verified). */
  remember(hash: string, file: string): void {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st || this.isSound(hash, fileStatOf(st))) return;
    this.#stamps.set(hash, [st.size, st.ctimeMs, st.ino]);
    this.#isDirty = true;
  }

  forget(hash: string): void {
    this.#isDirty = this.#stamps.delete(hash) || this.#isDirty;
  }

  /** Saves what changed; blobs no longer stored (pruned, cleared) are left out. */
  save(isStored: (hash: string) => boolean): void {
    if (!this.#isDirty) return;
    for (const hash of this.#stamps.keys()) if (!isStored(hash)) this.#stamps.delete(hash);
    writeFileAtomic(this.#file, JSON.stringify({ format: FORMAT, blobs: Object.fromEntries(this.#stamps) }));
    this.#isDirty = false;
  }
}
