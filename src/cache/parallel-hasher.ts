// A second thread for hashing files, for the daemon: after a `touch` of
// every input, reading and hashing them is most of a run, and the daemon,
// alive between runs, has a worker thread ready for half of them. The call
// stays synchronous (StatCache's API is): the main thread hashes its half
// while the worker hashes the other, then waits on a shared flag and takes
// the worker's answer with receiveMessageOnPort.
import { HASH_FILE_JS } from './hash-file.js';
import type { MessagePort, Worker } from 'node:worker_threads';
import { workerThreads } from '../util/builtins.js';
import { isRegularMode } from '../util/fs.js';
import type { FileStat } from './stat-cache-types.js';

// The worker's whole program: sha256 of each file, as hashFileSync computes it
// (tests check that they agree); null for a file it could not read.
const WORKER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash, hash } = require('node:crypto');
const { port, flag } = workerData;
const done = new Int32Array(flag);
const buffer = Buffer.allocUnsafe(1 << 20);
${HASH_FILE_JS}
port.on('message', (files) => {
  port.postMessage(files.map((file) => { try { return hashFile(file, undefined, buffer).toString('hex'); } catch { return null; } }));
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

/** Below this many files, the worker is not worth a message. */
const MIN_SHARED = 16;

/**
 * Hashes many files on both threads: every other one on the worker (its
 * answer goes to `take`; null: not readable), the rest here with
 * `hashHere`, which also gets the worker's share when there are few files,
 * no usable worker, or the worker failed.
 */
export function hashOnBoth<T>(
  hasher: ParallelHasher | undefined,
  items: readonly T[],
  options: { absolute: (item: T) => string; hashHere: (item: T) => void; take: (item: T, hash: string | null) => void },
): void {
  if (!hasher?.isUsable || items.length < MIN_SHARED) {
    items.forEach(options.hashHere);
    return;
  }
  const theirs = items.filter((_, i) => i % 2 === 1);
  const mine = items.filter((_, i) => i % 2 === 0);
  const answer = hasher.hashBeside(theirs.map(options.absolute), () => mine.forEach(options.hashHere));
  theirs.forEach((item, i) => {
    const hash = answer?.[i];
    if (hash === undefined) options.hashHere(item);
    else options.take(item, hash);
  });
}

/** What hashWithHasher asks of the stat cache. */
export interface ShortListCache {
  stat(file: string): FileStat | undefined;
  /** Whether the cache (or the daemon) already holds the hash of this stat. */
  isKnown(file: string, st: FileStat): boolean;
  hash(file: string, st: FileStat | undefined): string | undefined;
  absolute(file: string): string;
  /** Records a hash the worker read. */
  record(file: string, st: FileStat, hash: string): string;
}

/** StatCache.hashAll of a short list in the daemon: the changed files read on both threads. */
export function hashWithHasher(
  hasher: ParallelHasher,
  files: readonly string[],
  cache: ShortListCache,
): (string | undefined)[] {
  const stats = files.map((file) => cache.stat(file));
  const changed: number[] = [];
  const hashes = files.map((file, i) => {
    const st = stats[i];
    if (st && isRegularMode(st.mode) && cache.isKnown(file, st)) return cache.hash(file, st);
    changed.push(i);
    return undefined;
  });
  hashOnBoth(hasher, changed, {
    absolute: (i) => cache.absolute(files[i] as string),
    hashHere: (i) => {
      hashes[i] = cache.hash(files[i] as string, stats[i]);
    },
    take: (i, hash) => {
      const st = stats[i];
      if (!st || !isRegularMode(st.mode) || hash === null) return;
      hashes[i] = cache.record(files[i] as string, st, hash);
    },
  });
  return hashes;
}

/** How long to wait for the worker before giving up on it (it hashes a few MB in a few ms). */
const WAIT_MS = 30_000;

export class ParallelHasher {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #done = new Int32Array(new SharedArrayBuffer(4));
  #isBroken = false;

  constructor() {
    const { MessageChannel, Worker } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(WORKER, {
      eval: true,
      workerData: { port: port2, flag: this.#done.buffer },
      transferList: [port2],
    });
    this.#worker.on('error', () => {
      this.#isBroken = true;
    });
    this.#worker.unref();
    this.#port.unref();
  }

  get isUsable(): boolean {
    return !this.#isBroken;
  }

  /**
   * Hashes `theirs` (absolute paths) on the worker while `mine()` runs here;
   * returns the worker's hashes (null: not readable), or undefined when the
   * worker failed, for the caller to hash them itself.
   */
  hashBeside(theirs: readonly string[], mine: () => void): (string | null)[] | undefined {
    Atomics.store(this.#done, 0, 0);
    this.#port.postMessage(theirs);
    mine();
    const deadline = Date.now() + WAIT_MS;
    while (Atomics.load(this.#done, 0) === 0 && !this.#isBroken && Date.now() < deadline)
      Atomics.wait(this.#done, 0, 0, 50);
    const answer = workerThreads().receiveMessageOnPort(this.#port)?.message as (string | null)[] | undefined;
    if (!Array.isArray(answer) || answer.length !== theirs.length) {
      this.#isBroken = true;
      return undefined;
    }
    return answer;
  }

  async close(): Promise<void> {
    this.#port.close();
    await this.#worker.terminate();
  }
}
