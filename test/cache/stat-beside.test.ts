// statMany, the stat pass on two threads: the same answer as stat() on this
// thread for every path, a missing one, a symlink (followed) and a broken
// link included, whether the list is long enough for the worker or not.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAT_BESIDE_BATCH, STAT_BESIDE_MIN, statAt, statMany } from '../../src/cache/stat-beside.js';

let dir: string;
const files: string[] = [];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stat-beside-'));
  for (let d = 0; d < 10; d++) fs.mkdirSync(path.join(dir, `d${d}`));
  for (let i = 0; i < STAT_BESIDE_MIN + 1000; i++) {
    const file = path.join(dir, `d${i % 10}`, `f${i}.txt`);
    fs.writeFileSync(file, 'x'.repeat(i % 97));
    files.push(file);
  }
  fs.symlinkSync(files[5] as string, path.join(dir, 'link'));
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'broken'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function expected(file: string): unknown {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st && { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode };
}

function answers(list: string[], counts?: { byWorker: number; idle?: boolean }): unknown[] {
  const many = statMany(list, counts);
  return list.map((_, i) => statAt(many, i));
}

describe('statMany', () => {
  const odd = (): string[] => [path.join(dir, 'link'), path.join(dir, 'broken'), path.join(dir, 'missing'), dir];

  it('answers as stat() does for a list long enough for two threads', () => {
    const list = [...files.slice(0, 4000), ...odd(), ...files.slice(4000)];
    expect(list.length).toBeGreaterThanOrEqual(STAT_BESIDE_MIN);
    // Both threads at once: which does how much depends on when the worker starts.
    expect(answers(list, { byWorker: 0 })).toEqual(list.map(expected));
    // The worker alone, this thread only waiting: every batch is the worker's.
    const counts = { byWorker: 0, idle: true };
    const got = answers(list, counts);
    expect(got).toEqual(list.map(expected));
    expect(counts.byWorker).toBe(Math.ceil(list.length / STAT_BESIDE_BATCH));
    expect(got[4000]).toMatchObject({ size: 5 });
    expect(got.slice(4001, 4003)).toEqual([undefined, undefined]);
  });

  it('answers as stat() does for a short list, on this thread alone', () => {
    const list = [...files.slice(0, 50), ...odd()];
    const counts = { byWorker: -1 };
    expect(answers(list, counts)).toEqual(list.map(expected));
    expect(counts.byWorker).toBe(0);
  });
});
