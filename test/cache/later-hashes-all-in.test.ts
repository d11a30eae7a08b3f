// A map stage over many new files asks for their hashes block by block
// (LaterHashes) while the stat pass's worker reads ahead. Given somewhere
// to put them all (the stat cache's early save), once the worker has read
// every file the next ask takes every hash in at once and says so; while
// one batch is still unread it takes only what was asked.
import { describe, expect, it } from 'vitest';
import { HASH_BESIDE_BATCH, HashTurns, NEXT_HASH, SLOT } from '../../src/cache/hash-turns.js';
import { LaterHashes } from '../../src/cache/later-hashes.js';
import type { StatPass } from '../../src/cache/stat-beside.js';

const FILES = 5 * HASH_BESIDE_BATCH;

/** The shared memory of a hash pass over FILES files, as the worker leaves it once it answered the batches `done`. */
function workerAnswered(done: readonly number[]) {
  const control = new Int32Array(new SharedArrayBuffer(4 * 4));
  control[NEXT_HASH] = FILES;
  const answer = new Uint8Array(new SharedArrayBuffer(SLOT * FILES));
  const hashed = new Int32Array(new SharedArrayBuffer(4 * (FILES / HASH_BESIDE_BATCH)));
  for (const b of done) {
    hashed[b] = 1;
    for (let k = b * HASH_BESIDE_BATCH; k < (b + 1) * HASH_BESIDE_BATCH; k++) {
      answer[SLOT * k] = 1;
      answer.fill(k % 256, SLOT * k + 1, SLOT * (k + 1));
    }
  }
  return { control, answer, hashed, counts: { idle: true } };
}

function laterOver(shared: ReturnType<typeof workerAnswered>, onDone?: () => void) {
  const taken: number[] = [];
  const hashedHere: number[] = [];
  const indices = Array.from({ length: FILES }, (_, i) => i);
  const turns = new HashTurns(indices, { hashHere: (i) => hashedHere.push(i), take: (i) => taken.push(i) }, shared);
  let ended = 0;
  const pass = { stats: new Float64Array(0), end: () => ended++ } as unknown as StatPass;
  const later = new LaterHashes(indices, turns, pass, () => true, onDone);
  return { later, taken, hashedHere, ended: () => ended };
}

describe('LaterHashes: every hash in once the worker read them all', () => {
  it('takes every answer at the first ask after the worker is done, and calls onDone once', () => {
    let doneCalls = 0;
    const { later, taken, hashedHere, ended } = laterOver(workerAnswered([0, 1, 2, 3, 4]), () => doneCalls++);
    later.through(1);
    expect(taken).toHaveLength(FILES);
    expect(hashedHere).toEqual([]);
    expect(later.isDone).toBe(true);
    expect(ended()).toBe(1);
    expect(doneCalls).toBe(1);
    later.through(FILES);
    expect(taken).toHaveLength(FILES);
    expect(doneCalls).toBe(1);
  });

  it('takes only the batches asked for while one is still unread', () => {
    let doneCalls = 0;
    const { later, taken, ended } = laterOver(workerAnswered([0, 1, 2, 4]), () => doneCalls++);
    later.through(HASH_BESIDE_BATCH + 1);
    expect(taken).toHaveLength(2 * HASH_BESIDE_BATCH);
    expect(later.isDone).toBe(false);
    expect(ended()).toBe(0);
    expect(doneCalls).toBe(0);
  });

  it('without onDone, takes only what is asked even when the worker is done', () => {
    const { later, taken } = laterOver(workerAnswered([0, 1, 2, 3, 4]));
    later.through(1);
    expect(taken).toHaveLength(HASH_BESIDE_BATCH);
    expect(later.isDone).toBe(false);
  });
});
