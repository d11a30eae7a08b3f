// lstat of many files on two threads. On a map stage over 100,000 files the
// stat pass is most of a no-op run, and the kernel's path walks run in
// parallel: a worker thread started for the pass takes batches of the list
// while the main thread takes the others, both from one shared counter, so
// a worker slow to start just takes fewer. The call stays synchronous (the
// stat cache's API is): the main thread waits on the worker's batches with
// Atomics.wait, and does a batch itself when the worker is too late with it.
// Deleting this module (and its one call in stat-cache.ts) leaves a run that
// stats every file on the main thread, as before.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { FileStat } from './stat-cache.js';

/** Below this many files a worker costs more to start than it saves. */
export const STAT_BESIDE_MIN = 8192;
export const STAT_BESIDE_BATCH = 512;
const BATCH = STAT_BESIDE_BATCH;
/** Fields per file in the shared results: size, mtimeMs, ino, mode (NaN: no such file). */
export const FIELDS = 4;
/** How long the main thread waits for a batch the worker took before doing it itself. */
const PATIENCE_MS = 2000;

// The worker's whole program: batches from the counter, each marked done when written.
const WORKER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const files = workerData.paths.split('\\0');
const next = new Int32Array(workerData.next);
const done = new Int32Array(workerData.done);
const out = new Float64Array(workerData.out);
for (let from = Atomics.add(next, 0, ${BATCH}); from < files.length; from = Atomics.add(next, 0, ${BATCH})) {
  const to = Math.min(files.length, from + ${BATCH});
  for (let i = from; i < to; i++) {
    let st;
    try { st = fs.lstatSync(files[i], { throwIfNoEntry: false }); } catch { st = undefined; }
    out[${FIELDS} * i] = st ? st.size : NaN;
    if (st) { out[${FIELDS} * i + 1] = st.mtimeMs; out[${FIELDS} * i + 2] = st.ino; out[${FIELDS} * i + 3] = st.mode; }
  }
  Atomics.store(done, from / ${BATCH}, 1);
  Atomics.notify(done, from / ${BATCH});
}
`;

/**
 * stat() of each absolute path (a symlink followed, on this thread), as
 * FIELDS numbers per path (size NaN: no such file; see statAt). Two threads
 * from STAT_BESIDE_MIN paths.
 */
export function statMany(
  files: readonly string[],
  counts?: {
    byWorker: number;
    /** Tests: this thread takes no batch of its own, so the worker does them all. */
    idle?: boolean;
  },
): Float64Array {
  const n = files.length;
  const batches = Math.ceil(n / BATCH);
  const next = new SharedArrayBuffer(4);
  const done = new SharedArrayBuffer(4 * batches);
  const out = new Float64Array(new SharedArrayBuffer(8 * FIELDS * n));
  let worker: Worker | undefined;
  if (n >= STAT_BESIDE_MIN) {
    try {
      worker = new Worker(WORKER, { eval: true, workerData: { paths: files.join('\0'), next, done, out: out.buffer } });
      worker.unref();
      // A worker that fails leaves its batches to this thread (see PATIENCE_MS).
      worker.on('error', () => {});
    } catch {
      worker = undefined;
    }
  }
  const counter = new Int32Array(next);
  const isDone = new Int32Array(done);
  let here = 0;
  const takes = counts?.idle !== true;
  for (let from = takes ? Atomics.add(counter, 0, BATCH) : n; from < n; from = Atomics.add(counter, 0, BATCH)) {
    statBatch(files, out, from);
    isDone[from / BATCH] = 1;
    here++;
  }
  for (let b = 0; b < batches; b++) {
    if (Atomics.wait(isDone, b, 0, PATIENCE_MS) === 'timed-out' && Atomics.load(isDone, b) === 0) {
      statBatch(files, out, b * BATCH);
      here++;
    }
  }
  if (counts) counts.byWorker = batches - here;
  if (worker) void worker.terminate();
  const { S_IFMT, S_IFLNK } = fs.constants;
  for (let i = 0; i < n; i++) {
    if (((out[FIELDS * i + 3] as number) & S_IFMT) !== S_IFLNK) continue;
    const st = followed(files[i] as string);
    out[FIELDS * i] = st ? st.size : Number.NaN;
    if (st) put(out, i, st);
  }
  return out;
}

/** Path `i`'s stat from statMany's answer; undefined when there is no such file. */
export function statAt(out: Float64Array, i: number): FileStat | undefined {
  const at = FIELDS * i;
  const size = out[at] as number;
  if (Number.isNaN(size)) return undefined;
  return { size, mtimeMs: out[at + 1] as number, ino: out[at + 2] as number, mode: out[at + 3] as number };
}

function put(out: Float64Array, i: number, st: FileStat): void {
  out[FIELDS * i + 1] = st.mtimeMs;
  out[FIELDS * i + 2] = st.ino;
  out[FIELDS * i + 3] = st.mode;
}

function statBatch(files: readonly string[], out: Float64Array, from: number): void {
  const to = Math.min(files.length, from + BATCH);
  for (let i = from; i < to; i++) {
    const st = lstat(files[i] as string);
    out[FIELDS * i] = st ? st.size : Number.NaN;
    if (st) put(out, i, st);
  }
}

function lstat(file: string): FileStat | undefined {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function followed(file: string): FileStat | undefined {
  try {
    return fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
