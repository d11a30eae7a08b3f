// lstat of many files on two threads, and then sha256 of the ones whose
// stat changed. On a map stage over 100,000 files the stat pass is most of a
// no-op run, and reading the files to hash them most of a cold one; the
// kernel's path walks and reads run in parallel. A worker thread started
// for the pass takes batches of the list while the main thread takes the
// others, both from one shared counter, so a worker slow to start just takes
// fewer; it then waits for the list of files to hash (or for the end) and
// takes batches of that the same way. The calls stay synchronous (the stat
// cache's API is): the main thread waits on the worker's batches with
// Atomics.wait, and does a batch itself when the worker is too late with it.
// A run that expects a long pass starts the worker as it begins (a spare,
// SpareStatWorker), so its start overlaps the run's and it takes its share
// from the pass's first batch.
// Deleting this module and stat-beside-worker.ts (and its calls in stat-cache.ts and pass-answer.ts) leaves a run that
// stats and hashes every file on the main thread, as before.
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../util/builtins.js';
import type { KeptBytes } from './kept-bytes.js';
import { HASH_BESIDE_BATCH, HashTurns, PATIENCE_MS, SLOT } from './hash-turns.js';
import { pathsText } from './list-identity.js';
import { fileStatOf, lstatInto } from './raw-lstat.js';
import type { FileStat } from './stat-cache.js';
import { FIELDS, putStat, UNSTATED } from './stat-rows.js';
import type { PassBasis } from './stat-cache-types.js';
import {
  COUNT,
  ENDING,
  HASHING,
  NEXT_STAT,
  PHASE,
  SPARE,
  STAT_BESIDE_BATCH,
  STAT_BESIDE_WORKER_JS,
  WAITING,
} from './stat-beside-worker.js';

/** The stat pass worker's young generation, MiB (see startWorker). */
const WORKER_YOUNG_MB = 2;

/** Below this many files a worker costs more to start than it saves. */
export const STAT_BESIDE_MIN = 8192;
export { STAT_BESIDE_BATCH } from './stat-beside-worker.js';
export { HASH_BESIDE_BATCH, HashTurns } from './hash-turns.js';
const BATCH = STAT_BESIDE_BATCH;
/** Below this many files to hash, the main thread hashes them alone. */
export const HASH_BESIDE_MIN = 1024;
/** How many batches of a pass the worker did (tests). */
export interface BesideCounts {
  byWorker: number;
  hashedByWorker?: number;
  /** Tests: this thread takes no batch of its own, so the worker does them all. */
  idle?: boolean;
}

/** stat() of each absolute path (see StatPass); the worker, if any, ends with the pass. */
export function statMany(files: readonly string[], counts?: BesideCounts): Float64Array {
  const pass = new StatPass(files, counts);
  pass.end();
  return pass.stats;
}

/**
 * stat() of each absolute path (a symlink followed, on this thread), as
 * FIELDS numbers per path in `stats` (size NaN: no such file; stat-rows.ts),
 * on two threads from STAT_BESIDE_MIN paths; then hashChanged() of some of
 * them on the same two. end() when done with it: it ends the worker.
 */
export class StatPass {
  readonly stats: Float64Array;
  /** The files that were symbolic links (their stats are their targets'). */
  readonly links: number[] = [];
  readonly #counts: BesideCounts | undefined;
  readonly #control: Int32Array;
  #worker: Worker | undefined;

  /**
   * `prefix` (a directory and '/'): what a relative path in `files` is under, so the caller need not join them.
   * `unstated`: files left out of the pass (size UNSTATED), to be stat'ed as the hash pass reads them.
   * `spare`: a worker started ahead, which a long pass takes instead of starting one.
   * `basis`: the stats a kept pass found, of which only the stale ones are stat'ed again, here (the daemon's, HashHelp.changes).
   */
  constructor(
    files: readonly string[],
    counts?: BesideCounts,
    prefix = '',
    unstated?: readonly number[],
    spare?: SpareStatWorker,
    basis?: PassBasis,
  ) {
    this.#counts = counts;
    const n = files.length;
    this.stats = new Float64Array(new SharedArrayBuffer(8 * FIELDS * n));
    if (basis) this.stats.set(basis.stats);
    for (const i of unstated ?? []) this.stats[FIELDS * i] = UNSTATED;
    const statPrefix = statPrefixFor(prefix, files);
    this.#control = newControl();
    if (basis) {
      for (const i of basis.stale) {
        if (this.stats[FIELDS * i] !== UNSTATED) lstatInto(pathAt(files, statPrefix, i), this.stats, FIELDS * i, true);
      }
      this.#follow(files, prefix, basis.stale);
      return;
    }
    const done = new Int32Array(new SharedArrayBuffer(4 * Math.ceil(n / BATCH)));
    const taken = n >= STAT_BESIDE_MIN ? spare?.take() : undefined;
    if (taken) this.#control = taken.control;
    if (n >= STAT_BESIDE_MIN) {
      const { text, separator } = pathsText(files);
      const pass = { paths: text, separator, prefix, statPrefix, done: done.buffer, out: this.stats.buffer };
      if (!taken) this.#worker = startWorker({ ...pass, control: this.#control.buffer });
      else {
        // The spare takes the pass from the message once told it has begun.
        taken.worker.postMessage(pass);
        Atomics.store(this.#control, PHASE, WAITING);
        Atomics.notify(this.#control, PHASE);
        this.#worker = taken.worker;
      }
    }
    const here = this.#takeBatches(NEXT_STAT, BATCH, n, done, (from) => statBatch(files, statPrefix, this.stats, from));
    if (counts) counts.byWorker = done.length - here;
    this.#follow(files, prefix, files.keys());
  }

  /** The stats of the symbolic links among `indices` made their targets' (noted in `links`). */
  #follow(files: readonly string[], prefix: string, indices: Iterable<number>): void {
    const { S_IFMT, S_IFLNK } = fs.constants;
    for (const i of indices) {
      if (((this.stats[FIELDS * i + 3] as number) & S_IFMT) !== S_IFLNK || Number.isNaN(this.stats[FIELDS * i]))
        continue;
      this.links.push(i);
      putStat(this.stats, i, followed(pathAt(files, prefix, i)));
    }
  }

  /**
   * sha256 of the files at `indices`, regular files all: a share of them
   * read on the worker and handed to `take` (the digest, a view of the
   * shared answer), the others (and any the
   * worker could not read) to `hashHere`, which hashes and records them
   * itself. All of them here when they are few or there is no worker.
   */
  hashChanged(
    indices: readonly number[],
    hashHere: (i: number) => void,
    take: (i: number, digest: Uint8Array) => void,
  ): void {
    this.hashLater(indices, hashHere, take).through(indices.length);
  }

  /**
   * The hash pass of hashChanged, started on the worker now and answered in
   * order as the caller needs it: `through(n)` answers the first n of
   * `indices` (see HashTurns). With no worker, or few files, each is
   * hashed here when asked for. `kept` makes the KeptBytes the files' bytes
   * are to be kept in (with a ring, when the worker reads some of them).
   */
  hashLater(
    indices: readonly number[],
    hashHere: (i: number) => void,
    take: (i: number, digest: Uint8Array) => void,
    kept?: (hasWorker: boolean) => KeptBytes,
  ): HashTurns {
    const worker = this.#worker;
    const count = indices.length;
    if (!worker || count < HASH_BESIDE_MIN || Atomics.load(this.#control, PHASE) !== WAITING) {
      kept?.(false);
      return new HashTurns(indices, { hashHere, take });
    }
    const list = new Int32Array(new SharedArrayBuffer(4 * count));
    list.set(indices);
    const answer = new Uint8Array(new SharedArrayBuffer(SLOT * count));
    const hashed = new Int32Array(new SharedArrayBuffer(4 * Math.ceil(count / HASH_BESIDE_BATCH)));
    const keep = kept?.(true);
    worker.postMessage({ list, answer, hashed, keep: keep?.shared });
    Atomics.store(this.#control, COUNT, count);
    Atomics.store(this.#control, PHASE, HASHING);
    Atomics.notify(this.#control, PHASE);
    const turns = new HashTurns(
      indices,
      { hashHere, take },
      { control: this.#control, answer, hashed, counts: this.#counts },
    );
    keep?.answeredBy((b) => turns.isWorkers(b));
    return turns;
  }

  /** Ends the worker (it is waiting for a hash pass, or done with one). */
  end(): void {
    if (!this.#worker) return;
    Atomics.store(this.#control, PHASE, ENDING);
    Atomics.notify(this.#control, PHASE);
    void this.#worker.terminate();
    this.#worker = undefined;
  }

  /**
   * Batches of `size` from the shared counter at `next` up to `n`, done
   * here with `doBatch` while the worker takes others; then waits for each
   * of the worker's (flag 1 in `done`), doing one itself when the worker is
   * too late with it. How many batches this thread did.
   */
  #takeBatches(next: number, size: number, n: number, done: Int32Array, doBatch: (from: number) => void): number {
    let here = 0;
    const takes = this.#counts?.idle !== true;
    const counter = this.#control;
    for (let from = takes ? Atomics.add(counter, next, size) : n; from < n; from = Atomics.add(counter, next, size)) {
      doBatch(from);
      done[from / size] = 1;
      here++;
    }
    for (let b = 0; b < done.length; b++) {
      if (Atomics.wait(done, b, 0, PATIENCE_MS) === 'timed-out' && Atomics.load(done, b) === 0) {
        done[b] = 1;
        doBatch(b * size);
        here++;
      }
    }
    return here;
  }
}

/**
 * A stat pass worker started ahead of its pass: a run that expects a long
 * one (its stat cache held STAT_BESIDE_MIN files or more) starts it as the
 * run begins, so the worker's own start (Node, 50 to 100 ms) overlaps the
 * run's, and the worker takes its share of the pass from the first batch.
 * The first long pass takes it (`take`); `end` ends it if none did. `start`
 * gives none when the worker cannot start: a pass then starts its own.
 */
export class SpareStatWorker {
  #spare: { worker: Worker; control: Int32Array } | undefined;

  private constructor(spare: { worker: Worker; control: Int32Array }) {
    this.#spare = spare;
  }

  static start(): SpareStatWorker | undefined {
    const control = newControl();
    control[PHASE] = SPARE;
    const worker = startWorker({ control: control.buffer });
    return worker ? new SpareStatWorker({ worker, control }) : undefined;
  }

  /** The worker, waiting for its pass (which sets its PHASE to WAITING), once. */
  take(): { worker: Worker; control: Int32Array } | undefined {
    const spare = this.#spare;
    this.#spare = undefined;
    return spare;
  }

  /** Ends the worker unless a pass took it; resolves once it has stopped. */
  async end(): Promise<void> {
    const spare = this.take();
    if (!spare) return;
    Atomics.store(spare.control, PHASE, ENDING);
    Atomics.notify(spare.control, PHASE);
    await spare.worker.terminate();
  }
}

function newControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * 4));
}

/** The pass's worker, given its pass in `workerData`, or only its control (a spare, given its pass later). */
function startWorker(workerData: {
  control: ArrayBufferLike;
  paths?: string;
  separator?: string;
  prefix?: string;
  statPrefix?: string;
  done?: ArrayBufferLike;
  out?: ArrayBufferLike;
}): Worker | undefined {
  try {
    // A small young generation: the worker's garbage is a path and a hash object a file, so a larger
    // one only holds more of it while the worker lives (most of a cold run; see docs/decisions.md).
    const worker = new (workerThreads().Worker)(STAT_BESIDE_WORKER_JS, {
      eval: true,
      workerData,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    });
    worker.unref();
    // A worker that fails leaves its batches to this thread (see PATIENCE_MS).
    worker.on('error', () => {});
    return worker;
  } catch {
    return undefined;
  }
}

/**
 * What the stat pass puts before a relative path: none when `prefix` is the
 * working directory, as it is when runner runs in the workspace, so the
 * kernel walks a path from there and not from the root (a no-op over
 * 100,000 files: a tenth faster). The pass is synchronous, no stage code
 * runs on this thread while it lasts, and a worker thread cannot change
 * directory; the hash pass, which reads files while stages run, keeps whole
 * paths. A list holding the empty path (the directory itself) keeps the
 * prefix.
 */
export function statPrefixFor(prefix: string, files: readonly string[]): string {
  return prefix !== '' && prefix === `${process.cwd()}/` && !files.includes('') ? '' : prefix;
}

/** Path `i` of `files`: a relative one under `prefix`. */
function pathAt(files: readonly string[], prefix: string, i: number): string {
  const file = files[i] as string;
  return file.startsWith('/') ? file : prefix + file;
}

function statBatch(files: readonly string[], prefix: string, out: Float64Array, from: number): void {
  const to = Math.min(files.length, from + BATCH);
  for (let i = from; i < to; i++) {
    if (out[FIELDS * i] !== UNSTATED) lstatInto(pathAt(files, prefix, i), out, FIELDS * i, true);
  }
}

function followed(file: string): FileStat | undefined {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    return st && fileStatOf(st);
  } catch {
    return undefined;
  }
}
