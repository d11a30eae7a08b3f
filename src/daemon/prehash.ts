// Between runs the daemon hashes files as they change. It watches the
// directories of every file the last run hashed or checked (fs.watch, one
// inotify watch per directory). A file event queues the file; idle time
// hashes each queued file once QUIET_MS have passed since its last event,
// half of them on the second thread, while later events still arrive. A
// run takes a hash from here only when the file's size, ctime and inode are
// still the ones hashed and the hash is not racy, the same trust the stat
// cache gets; everything else the run hashes itself. So after a `touch` of
// every input, or a checkout that rewrote many files, the next run finds
// most hashes made. A new hash that is not the one the stat cache holds is
// an edit (`edits`), and the daemon hands the next run back at once
// (server.ts). Events only start work early or send a run back: a missed or
// late event costs speed, never a wrong key.
import fs from 'node:fs';
import path from 'node:path';
import { hashOnBoth } from '../cache/parallel-hasher.js';
import type { ParallelHasher } from '../cache/parallel-hasher.js';
import { hashFileSync } from '../cache/hash-file.js';
import { fileStatOf } from '../cache/raw-lstat.js';
import { RACY_WINDOW_FINE_MS } from '../cache/recorded-files.js';
import { isRacy } from '../cache/stat-cache.js';
import { polled } from './polled.js';
import type { FileStat, HashHelp } from '../cache/stat-cache.js';

/** A file is hashed this long after its last event at the earliest, so that no hash made is racy (isRacy). */
const QUIET_MS = RACY_WINDOW_FINE_MS + 1;
/** Files hashed per turn of the event loop: a request waits for one turn at most. */
const PER_TURN = 256;

/** The hash the stat cache holds for a file (absolute path), whatever its stat now. */
export type HeldHashes = (absolute: string) => string | undefined;

/** [size, changedMs, ino, sha256, when its read began (ms)] by absolute path. */
type Known = [number, number, number, string, number];

export class PreHasher {
  readonly #hasher: ParallelHasher;
  readonly #known = new Map<string, Known>();
  /** Files to hash, with the time of their last event. */
  readonly #queue = new Map<string, number>();
  readonly #watchers = new Map<string, fs.FSWatcher>();
  /** How to list the directories of the files the last run's stat cache knows, until they are watched (HashHelp.watch). */
  #toWatch: (() => readonly string[] | undefined) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #isHashing = false;
  /** A run is being served: it hashes what it needs itself. */
  isPaused = false;
  /** The hashes the stat cache holds (by absolute path), to tell an edit from a touch; undefined: none to trust. */
  readonly #held: () => HeldHashes | undefined;
  /** Edits counted so far (see edits). */
  #edits = 0;
  /** Hashes made since edits was last asked, by absolute path: told apart from the held ones when it is. */
  readonly #unsettled = new Map<string, string>();

  /** Told the directories it watches, as it begins to (the daemon's WatchLog watches them too). */
  readonly #onWatch: ((dirs: readonly string[]) => void) | undefined;

  constructor(
    hasher: ParallelHasher,
    held: () => HeldHashes | undefined = () => undefined,
    onWatch?: (dirs: readonly string[]) => void,
  ) {
    this.#hasher = hasher;
    this.#held = held;
    this.#onWatch = onWatch;
  }

  /**
   * Hashes every file whose event is queued, now, however recent its event:
   * a run about to be served learns whether one of them was edited. (A hash
   * made too soon after a file changed is racy, and #lookup never gives it.)
   */
  flush(): void {
    while (this.#queue.size > 0) this.#hashSome(Number.POSITIVE_INFINITY);
  }

  /**
   * Files hashed (since the daemon started) whose content is not what the stat cache holds for them, as
   * it holds them when asked (as a request arrives), not when the file was hashed: a run in a process of
   * its own that rewrote an output may not have saved its hash yet when the output's event comes.
   */
  get edits(): number {
    if (this.#unsettled.size > 0) {
      const held = this.#held();
      for (const [absolute, hash] of this.#unsettled) {
        const was = held?.(absolute);
        if (was !== undefined && was !== hash) this.#edits++;
      }
      this.#unsettled.clear();
    }
    return this.#edits;
  }

  /** What a run's StatCache gets. */
  help(): HashHelp {
    return {
      hasher: this.#hasher,
      known: (absolute, st) => this.#lookup(absolute, st),
      watch: (dirs) => {
        this.#toWatch = dirs;
      },
    };
  }

  /**
   * Hashing resumes after a run (it paused while the run was served), and
   * the directories of the files the run's stat cache knows are watched,
   * once the event loop has sent the answer (at a million files, listing
   * them after the cache was read again takes a second).
   */
  resume(): void {
    this.isPaused = false;
    this.#schedule(0);
    if (this.#toWatch !== undefined) void polled().then(() => this.watchNow());
  }

  /** Watches what the last run's stat cache knows (if not yet), unless a run is being served again. */
  watchNow(): void {
    const list = this.#toWatch;
    if (list === undefined || this.isPaused) return;
    this.#toWatch = undefined;
    const dirs = list();
    if (dirs === undefined) return;
    this.#watch(dirs);
    this.#onWatch?.(dirs);
  }

  close(): void {
    this.#toWatch = undefined;
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    this.#queue.clear();
  }

  #lookup(absolute: string, st: FileStat): string | undefined {
    const known = this.#known.get(absolute);
    if (
      !known ||
      known[0] !== st.size ||
      known[1] !== st.changedMs ||
      known[2] !== st.ino ||
      isRacy(known[1], known[4])
    )
      return undefined;
    return known[3];
  }

  #watch(dirs: readonly string[]): void {
    for (const dir of dirs) {
      if (this.#watchers.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, { persistent: false }, (_event, name) => {
          if (!name) return;
          const file = path.join(dir, String(name));
          this.#queue.delete(file);
          this.#queue.set(file, Date.now());
          this.#schedule(QUIET_MS);
        });
        watcher.on('error', () => {
          watcher.close();
          this.#watchers.delete(dir);
        });
        this.#watchers.set(dir, watcher);
      } catch {
        // A directory gone or unreadable: nothing to watch there.
      }
    }
  }

  /** One pending turn at a time: in `delayMs`, or sooner if asked sooner. */
  #schedule(delayMs: number): void {
    if (this.#isHashing || this.isPaused || this.#queue.size === 0) return;
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => this.#turn(), delayMs);
    this.#timer.unref();
  }

  #turn(): void {
    this.#timer = undefined;
    if (this.isPaused) return;
    this.#isHashing = true;
    const hashed = this.#hashSome();
    this.#isHashing = false;
    // More ready now: the next turn at once; otherwise when the oldest is.
    const oldest = this.#queue.values().next().value;
    if (oldest !== undefined) this.#schedule(hashed === PER_TURN ? 0 : Math.max(0, oldest + QUIET_MS - Date.now()));
  }

  /** Hashes up to PER_TURN queued files whose last event is QUIET_MS old (or older than `readyBefore`); how many it took. */
  #hashSome(readyBefore = Date.now() - QUIET_MS): number {
    const files: { absolute: string; st: FileStat }[] = [];
    let taken = 0;
    // The queue is in order of last event: the ready ones come first.
    for (const [absolute, at] of this.#queue) {
      if (at > readyBefore || taken >= PER_TURN) break;
      this.#queue.delete(absolute);
      taken++;
      const stats = fs.statSync(absolute, { throwIfNoEntry: false });
      const st = stats && fileStatOf(stats);
      if (stats?.isFile() && st && this.#lookup(absolute, st) === undefined) files.push({ absolute, st });
    }
    // Before any of them is read: a hash is judged racy by when its read began, not ended.
    const from = Date.now();
    const remember = (file: (typeof files)[number], hash: string | null): void => {
      if (typeof hash !== 'string') return;
      this.#known.set(file.absolute, [file.st.size, file.st.changedMs, file.st.ino, hash, from]);
      this.#unsettled.set(file.absolute, hash);
    };
    const hashHere = (file: (typeof files)[number]): void => {
      try {
        remember(file, hashFileSync(file.absolute, file.st.size));
      } catch {
        // Gone or unreadable: the run will see.
      }
    };
    hashOnBoth(this.#hasher, files, { absolute: (file) => file.absolute, hashHere, take: remember });
    return taken;
  }
}
