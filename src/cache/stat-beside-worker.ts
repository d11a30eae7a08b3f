// The program of the stat pass's worker thread (stat-beside.ts), as text
// for new Worker(..., { eval: true }), and the slots and phases of the
// control array it shares with the main thread.
import { HASH_FILE_JS, HASH_UNSTATED_JS } from './hash-file.js';
import { HASH_BESIDE_BATCH, NEXT_HASH, SLOT } from './hash-turns.js';
import { KEEP_JS } from './kept-bytes.js';
import { FSTAT_INTO_JS, LSTAT_INTO_JS } from './raw-lstat.js';
import { FIELDS, UNSTATED } from './stat-rows.js';

/** Files a batch of the stat pass, on either thread. */
export const STAT_BESIDE_BATCH = 512;
const BATCH = STAT_BESIDE_BATCH;

// Slots of the shared control array.
export const NEXT_STAT = 0;
export const PHASE = 2;
export const COUNT = 3;
// What the worker does after the stat pass: wait, hash the files named, or end.
export const WAITING = 0;
export const HASHING = 1;
export const ENDING = 2;
// A spare waits for its pass (then WAITING) or for the end.
export const SPARE = 3;

// The worker's whole program: batches from the counters, each marked done
// when written. Its hash is hashFileSync's (sha256 of the whole content; tests
// check that they agree); the list to hash arrives as a message.
export const STAT_BESIDE_WORKER_JS = `
const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash, hash } = require('node:crypto');
const control = new Int32Array(workerData.control);
// A spare (no paths yet) waits for its pass, whose list then arrives as a message; or for the end.
while (Atomics.load(control, ${PHASE}) === ${SPARE}) Atomics.wait(control, ${PHASE}, ${SPARE});
const pass = workerData.paths !== undefined ? workerData : Atomics.load(control, ${PHASE}) === ${ENDING} ? undefined : receiveMessageOnPort(parentPort).message;
const files = pass ? pass.paths.split(pass.separator) : [];
const prefix = pass?.prefix;
const at = (i) => (files[i].startsWith('/') ? files[i] : prefix + files[i]);
const statPrefix = pass?.statPrefix;
const statPath = (i) => (files[i].startsWith('/') ? files[i] : statPrefix + files[i]);
const done = new Int32Array(pass?.done ?? new SharedArrayBuffer(4));
const out = new Float64Array(pass?.out ?? new SharedArrayBuffer(8));
${HASH_FILE_JS}
// The hash pass's KeptShared, when its bytes are kept (kept-bytes.ts).
let keep;
${KEEP_JS}
${LSTAT_INTO_JS}
${FSTAT_INTO_JS}
const lstatInto = makeLstatInto(fs, process);
const fstatInto = makeFstatInto(fs, process);
${HASH_UNSTATED_JS}
const one = new Float64Array(${FIELDS});
// A file the stat pass left (UNSTATED), read through one descriptor: its status in the answer; its
// stat put in out only when it is a regular file.
function hashUnstatedInto(file, i, k, answer, buffer) {
  const got = hashUnstated(file, one, buffer);
  if (typeof got === 'number') return got;
  answer.set(got, ${SLOT} * k + 1);
  out.set(one, ${FIELDS} * i);
  return 1;
}
for (let from = Atomics.add(control, ${NEXT_STAT}, ${BATCH}); from < files.length; from = Atomics.add(control, ${NEXT_STAT}, ${BATCH})) {
  const to = Math.min(files.length, from + ${BATCH});
  for (let i = from; i < to; i++) {
    if (out[${FIELDS} * i] !== ${UNSTATED}) lstatInto(statPath(i), out, ${FIELDS} * i, true);
  }
  Atomics.store(done, from / ${BATCH}, 1);
  Atomics.notify(done, from / ${BATCH});
}
while (Atomics.load(control, ${PHASE}) === ${WAITING}) Atomics.wait(control, ${PHASE}, ${WAITING});
if (Atomics.load(control, ${PHASE}) === ${HASHING}) {
  const message = receiveMessageOnPort(parentPort).message;
  const { list, answer, hashed } = message;
  keep = message.keep;
  const count = Atomics.load(control, ${COUNT});
  const buffer = Buffer.allocUnsafe(1 << 20);
  const stop = () => Atomics.load(control, ${PHASE}) !== ${HASHING} || Atomics.load(control, ${NEXT_HASH}) >= count;
  for (;;) {
    roomForBatch(stop);
    const from = Atomics.add(control, ${NEXT_HASH}, ${HASH_BESIDE_BATCH});
    if (from >= count) break;
    const to = Math.min(count, from + ${HASH_BESIDE_BATCH});
    for (let k = from; k < to; k++) {
      const i = list[k];
      if (out[${FIELDS} * i] === ${UNSTATED}) answer[${SLOT} * k] = hashUnstatedInto(at(i), i, k, answer, buffer);
      else {
        try { answer.set(hashFile(at(i), out[${FIELDS} * i], buffer), ${SLOT} * k + 1); answer[${SLOT} * k] = 1; } catch { answer[${SLOT} * k] = 2; }
      }
      if (answer[${SLOT} * k] === 1) keepBytes(k, buffer, whole);
    }
    keptBatch(to - 1);
    Atomics.store(hashed, from / ${HASH_BESIDE_BATCH}, 1);
    Atomics.notify(hashed, from / ${HASH_BESIDE_BATCH});
  }
}
`;
