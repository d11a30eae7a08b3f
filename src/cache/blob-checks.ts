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
  /** How many blobs the file held when those no longer stored were last left out. */
  swept?: number;
}

const FORMAT = 1;

export class BlobChecks {
  readonly #file: string;
  readonly #stamps: Map<string, Stamp>;
  #isDirty = false;
  /** See ChecksFile.swept. */
  #swept: number;

  constructor(file: string) {
    this.#file = file;
    const loaded = readJsonOrUndefined<ChecksFile>(file);
    const isKnown = loaded?.format === FORMAT;
    this.#stamps = new Map(isKnown ? Object.entries(loaded.blobs) : []);
    this.#swept = isKnown && typeof loaded.swept === 'number' ? loaded.swept : 0;
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

  /**
   * Saves what changed. Blobs no longer stored (pruned) are left out once
   * the file has grown by half since that was last done, not at every save:
   * it looks for every blob, 15-20 ms a run at 2,000 blobs. A stamp of a
   * blob gone vouches for nothing meanwhile: isSound() is asked with a
   * stat of the blob, and a blob stored again has another inode and ctime.
   */
  save(isStored: (hash: string) => boolean): void {
    if (!this.#isDirty) return;
    if (this.#stamps.size >= this.#swept * 1.5) {
      for (const hash of this.#stamps.keys()) if (!isStored(hash)) this.#stamps.delete(hash);
      this.#swept = this.#stamps.size;
    }
    const checks: ChecksFile = { format: FORMAT, swept: this.#swept, blobs: Object.fromEntries(this.#stamps) };
    writeFileAtomic(this.#file, JSON.stringify(checks));
    this.#isDirty = false;
  }
}
