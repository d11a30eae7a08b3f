// Content hashes of files, memoised by (size, mtime, inode) in the stage's
// memo across runs, so the packages stage reads only the files that changed
// since it last ran. A file modified within the last two seconds is hashed
// but not remembered: a second write in the same mtime tick with the same
// size would otherwise keep its old hash (git's "racy" entries).
import fs from 'node:fs';
import type { StageMemo } from '../../src/api.js';
import { sha256 } from './util.js';

type Entry = [size: number, mtimeMs: number, ino: number, hash: string];

const MEMO_KEY = 'file-hashes';
const RACY_MS = 2000;

export class FileHasher {
  readonly #old: Map<string, Entry>;
  readonly #seen = new Map<string, Entry>();
  readonly #startedAt = Date.now();
  #reads = 0;

  private constructor(old: Map<string, Entry>) {
    this.#old = old;
  }

  static async load(memo: StageMemo | undefined): Promise<FileHasher> {
    let stored: Record<string, Entry> | undefined;
    try {
      stored = await memo?.get<Record<string, Entry>>(MEMO_KEY);
    } catch {
      stored = undefined; // a memo that cannot be read is a cold start, not a failure
    }
    return new FileHasher(new Map(Object.entries(stored && typeof stored === 'object' ? stored : {})));
  }

  /** Files whose content was read (not taken from the memo) so far. */
  get reads(): number {
    return this.#reads;
  }

  /** sha256 of the file at `absolute`, remembered under `key` (a workspace-relative path). */
  hash(absolute: string, key: string): string {
    const st = fs.statSync(absolute);
    const old = this.#old.get(key);
    if (old && old[0] === st.size && old[1] === st.mtimeMs && old[2] === st.ino) {
      this.#seen.set(key, old);
      return old[3];
    }
    this.#reads++;
    const hash = sha256(fs.readFileSync(absolute));
    if (st.mtimeMs < this.#startedAt - RACY_MS) this.#seen.set(key, [st.size, st.mtimeMs, st.ino, hash]);
    return hash;
  }

  /** Stores the entries of the files hashed this run; files not seen again are forgotten. */
  async save(memo: StageMemo | undefined): Promise<void> {
    try {
      await memo?.set(MEMO_KEY, Object.fromEntries(this.#seen));
    } catch {
      // Losing the memo costs the next run some reads, nothing else.
    }
  }
}
