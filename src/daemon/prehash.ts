// Between runs the daemon hashes files as they change. It watches the
// directories of every file the last run hashed or checked (fs.watch, one
// inotify watch per directory). A file event queues the file; once events
// have been quiet for QUIET_MS, idle time hashes the queue, half of it on the
// second thread. A run takes a hash from here only when the file's size,
// mtime and inode are still the ones hashed and the hash is not racy, the
// same trust the stat cache gets; everything else the run hashes itself.
// So after a `touch` of every input, or a checkout that rewrote many files,
// the next run finds most hashes made. Events only start work early: a
// missed or late event costs speed, never a wrong key.
import fs from 'node:fs';
import path from 'node:path';
import type { ParallelHasher } from '../cache/parallel-hasher.js';
import { hashFileSync } from '../cache/hash-file.js';
import { isRacy } from '../cache/stat-cache.js';
import type { FileStat, HashHelp } from '../cache/stat-cache.js';

/** Hashing starts after events have been quiet this long, so that no hash it makes is racy. */
const QUIET_MS = 10;
/** Files hashed per turn of the event loop: a request waits for one turn at most. */
const PER_TURN = 256;
/** Below this many files, the second thread is not worth a message. */
const MIN_SHARED = 16;

/** [size, mtimeMs, ino, sha256, hashedAtMs] by absolute path. */
type Known = [number, number, number, string, number];

export class PreHasher {
  readonly #hasher: ParallelHasher;
  readonly #known = new Map<string, Known>();
  readonly #queue = new Set<string>();
  readonly #watchers = new Map<string, fs.FSWatcher>();
  #quietTimer: NodeJS.Timeout | undefined;
  #isHashing = false;
  /** A run is being served: it hashes what it needs itself. */
  isPaused = false;

  constructor(hasher: ParallelHasher) {
    this.#hasher = hasher;
  }

  /** What a run's StatCache gets. */
  help(): HashHelp {
    return {
      hasher: this.#hasher,
      known: (absolute, st) => this.#lookup(absolute, st),
      watch: (files) => this.#watchDirectoriesOf(files),
    };
  }

  /** Hashing resumes after a run (it paused while the run was served). */
  resume(): void {
    this.isPaused = false;
    this.#scheduleHashing();
  }

  close(): void {
    clearTimeout(this.#quietTimer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    this.#queue.clear();
  }

  #lookup(absolute: string, st: FileStat): string | undefined {
    const known = this.#known.get(absolute);
    if (!known || known[0] !== st.size || known[1] !== st.mtimeMs || known[2] !== st.ino || isRacy(known[1], known[4])) return undefined;
    return known[3];
  }

  #watchDirectoriesOf(files: readonly string[]): void {
    for (const dir of new Set(files.map((file) => path.dirname(file)))) {
      if (this.#watchers.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, { persistent: false }, (_event, name) => {
          if (!name) return;
          this.#queue.add(path.join(dir, String(name)));
          clearTimeout(this.#quietTimer);
          this.#quietTimer = setTimeout(() => this.#scheduleHashing(), QUIET_MS);
          this.#quietTimer.unref();
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

  #scheduleHashing(): void {
    if (this.#isHashing || this.isPaused || this.#queue.size === 0) return;
    this.#isHashing = true;
    setImmediate(() => {
      this.#isHashing = false;
      if (this.isPaused) return;
      this.#hashSome();
      this.#scheduleHashing();
    });
  }

  #hashSome(): void {
    const files: { absolute: string; st: fs.Stats }[] = [];
    for (const absolute of this.#queue) {
      this.#queue.delete(absolute);
      const st = fs.statSync(absolute, { throwIfNoEntry: false });
      if (st?.isFile() && this.#lookup(absolute, st) === undefined) files.push({ absolute, st });
      if (files.length >= PER_TURN) break;
    }
    const remember = (file: (typeof files)[number], hash: string | null | undefined): void => {
      if (typeof hash === 'string') this.#known.set(file.absolute, [file.st.size, file.st.mtimeMs, file.st.ino, hash, Date.now()]);
    };
    const hashHere = (file: (typeof files)[number]): void => {
      try {
        remember(file, hashFileSync(file.absolute, file.st.size));
      } catch {
        // Gone or unreadable: the run will see.
      }
    };
    const theirs = this.#hasher.isUsable && files.length >= MIN_SHARED ? files.filter((_, i) => i % 2 === 1) : [];
    const mine = theirs.length > 0 ? files.filter((_, i) => i % 2 === 0) : files;
    if (theirs.length === 0) {
      mine.forEach(hashHere);
      return;
    }
    const answer = this.#hasher.hashBeside(
      theirs.map((file) => file.absolute),
      () => mine.forEach(hashHere),
    );
    theirs.forEach((file, i) => (answer ? remember(file, answer[i]) : hashHere(file)));
  }
}
