// A map stage over many new files asks for their hashes block by block
// (LaterHashes) while the stat pass's worker reads ahead. Given somewhere
// to put them all (the stat cache's early save), once the worker has read
// every file the next ask takes every hash in at once and says so; while
// one batch is still unread it takes only what was asked. Two such passes
// open at once save once both are in.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HASH_BESIDE_BATCH, HashTurns, NEXT_HASH, SLOT } from '../../src/cache/hash-turns.js';
import { LaterHashes } from '../../src/cache/later-hashes.js';
import { STAT_BESIDE_MIN } from '../../src/cache/stat-beside.js';
import type { StatPass } from '../../src/cache/stat-beside.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

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
  const later = new LaterHashes(indices, turns, pass, () => true, { done: onDone });
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

describe('StatCache: two long first passes taken in at once', () => {
  it('saves once both are in, and the saved cache holds every file of both', () => {
    const root = tempDir();
    const T = Date.UTC(2030, 0, 1, 12);
    const listOf = (dir: string): string[] =>
      Array.from({ length: STAT_BESIDE_MIN }, (_, i) => {
        const file = `${dir}/${String(Math.floor(i / 1000)).padStart(2, '0')}/f${String(i).padStart(5, '0')}.txt`;
        put(root, file, `${dir} ${i}\n`);
        setMtime(root, file, T);
        return file;
      });
    const a = listOf('a');
    const b = listOf('b');
    const file = path.join(root, '.runner', 'stat-cache.bin');
    const stats = new StatCache({ root, file, now: fakeClock(T + 3_600_000).now });
    const first = stats.hashAllLater(a, 1024);
    const second = stats.hashAllLater(b, 1024);
    first.later?.through(a.length);
    // The first pass is in, the second still open: nothing is saved yet (its rows would be left out).
    expect(fs.existsSync(file)).toBe(false);
    second.later?.through(b.length);
    expect(fs.existsSync(file)).toBe(true);

    const saved = new StatCache({ root, file, now: fakeClock(T + 3_600_000).now });
    const unknown = [...a, ...b].filter((f) => {
      const st = saved.stat(f);
      return !st || !saved.isFresh(f, st);
    });
    expect(unknown).toEqual([]);
    expect([...a, ...b].map((f) => saved.hash(f))).toEqual(
      [...a, ...b].map((f) => sha256(fs.readFileSync(path.join(root, f)))),
    );
    // 16,000 files written, stat'ed and hashed: 4 s alone, 47 s with the machine's two cores shared four ways.
  }, 120_000);
});
