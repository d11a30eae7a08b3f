// Once every hash of a long pass is in, the pass lets go of the worker's
// shared answer and of the rows it recorded the hashes into (the stat
// cache's own entries hold them from its merge on), though its LaterHashes
// and the kept bytes, which ask HashTurns which batches the worker read,
// live until their stage ends. At a million files those are 86 MB, and a
// cold run's peak was 60-80 MiB higher with them held.
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HASH_BESIDE_BATCH, HashTurns, NEXT_HASH, SLOT } from '../../src/cache/hash-turns.js';
import { RecordedFiles } from '../../src/cache/recorded-files.js';
import type { ListRecords } from '../../src/cache/recorded-files.js';
import { STAT_BESIDE_MIN } from '../../src/cache/stat-beside.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Whether `ref`'s object is gone after a full collection (a WeakRef's target lives until its job ends). */
async function isCollected(ref: WeakRef<object>): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return ref.deref() === undefined;
}

const FILES = 4 * HASH_BESIDE_BATCH;

/** A hash pass whose worker answered every batch; weak references to its answers' receiver and its shared memory. */
function answeredPass() {
  const control = new Int32Array(new SharedArrayBuffer(4 * 4));
  control[NEXT_HASH] = FILES;
  const answer = new Uint8Array(new SharedArrayBuffer(SLOT * FILES));
  const hashed = new Int32Array(new SharedArrayBuffer(4 * (FILES / HASH_BESIDE_BATCH)));
  hashed.fill(1);
  for (let k = 0; k < FILES; k++) answer[SLOT * k] = 1;
  const taken: number[] = [];
  const to = { hashHere: () => {}, take: (i: number) => taken.push(i) };
  const shared = { control, answer, hashed, counts: { idle: true } };
  const turns = new HashTurns(
    Array.from({ length: FILES }, (_, i) => i),
    to,
    shared,
  );
  return { turns, taken, to: new WeakRef(to), shared: new WeakRef(shared) };
}

describe('a hash pass lets go of its answers once every hash is in', () => {
  it('HashTurns holds its receiver and the shared answer until the last batch is answered, not after', async () => {
    const { turns, taken, to, shared } = answeredPass();
    turns.through(FILES - HASH_BESIDE_BATCH);
    expect(taken).toHaveLength(FILES - HASH_BESIDE_BATCH);
    expect(await isCollected(to)).toBe(false);
    expect(await isCollected(shared)).toBe(false);
    turns.through(FILES);
    expect(taken).toHaveLength(FILES);
    expect(await isCollected(to)).toBe(true);
    expect(await isCollected(shared)).toBe(true);
    // Still answers what the kept bytes ask of it.
    expect(turns.isAllDone).toBe(true);
    expect(turns.isWorkers(0)).toBe(true);
    expect(turns.answered).toBe(FILES);
  });

  it('StatCache: the rows a long first pass recorded into go once it is in, while its LaterHashes lives on', async () => {
    const root = tempDir();
    const T = Date.UTC(2030, 0, 1, 12);
    const files = Array.from({ length: STAT_BESIDE_MIN }, (_, i) => {
      const file = `d${String(Math.floor(i / 1000)).padStart(2, '0')}/f${String(i).padStart(5, '0')}.txt`;
      put(root, file, `file ${i}\n`);
      setMtime(root, file, T);
      return file;
    });
    const listFor = RecordedFiles.prototype.listFor;
    let rows: WeakRef<ListRecords> | undefined;
    RecordedFiles.prototype.listFor = function (this: RecordedFiles, list: readonly string[]) {
      const records = listFor.call(this, list);
      if (records) rows = new WeakRef(records);
      return records;
    };
    try {
      const stats = new StatCache({
        root,
        file: path.join(root, '.runner', 'stat-cache.bin'),
        now: fakeClock(T + 3_600_000).now,
      });
      const { hashes, later } = stats.hashAllLater(files, 1024);
      if (!later || !rows) throw new Error('expected a long pass recording its files by position');
      later.through(files.length / 2);
      expect(await isCollected(rows)).toBe(false);
      later.through(files.length);
      expect(later.isDone).toBe(true);
      expect(await isCollected(rows)).toBe(true);
      // What the pass answered is all there, and the cache still vouches for every file.
      expect(files.every((_, i) => typeof hashes.at(i) === 'string')).toBe(true);
      expect(later.isClean()).toBe(true);
      expect(
        files.every((file) => stats.isFresh(file, stats.stat(file) as NonNullable<ReturnType<StatCache['stat']>>)),
      ).toBe(true);
    } finally {
      RecordedFiles.prototype.listFor = listFor;
    }
  });
});
