// The daemon keeps a run's stat cache for the next run (StatCache.forRun),
// as long as its file on disk is the one it loaded or saved last.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatCache } from '../../src/cache/stat-cache.js';
import type { HashHelp } from '../../src/cache/stat-cache.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

const T = Date.UTC(2030, 0, 1, 12);

/** A workspace, and the cache of a first daemon run that hashed a.txt and saved. */
function afterFirstRun(): { root: string; file: string; now: () => number; help: HashHelp; first: StatCache } {
  const root = tempDir();
  put(root, 'a.txt', 'a\n');
  setMtime(root, 'a.txt', T);
  const file = path.join(root, '.runner', 'stat-cache.bin');
  const now = fakeClock(T + 3_600_000).now;
  const help = { kept: {} };
  const first = StatCache.forRun({ root, file, now, help });
  first.hash('a.txt');
  first.save();
  return { root, file, now, help, first };
}

describe('StatCache.forRun', () => {
  it('tells the next run of damage the daemon found in the file while reading it again between runs', () => {
    const { root, file, now } = afterFirstRun();
    // Another process's run saved a new file; a byte of it is damaged since (its checks, at its end).
    const data = fs.readFileSync(file);
    data.writeUInt8(data.readUInt8(data.length - 1) ^ 1, data.length - 1);
    fs.writeFileSync(file, data);
    // The daemon reads it again between runs, as it does to tell an edit (server.ts): no run to tell.
    const help: HashHelp = { kept: {} };
    const between = StatCache.forRun({ root, file, now, help, onBadFile: undefined });
    expect(between.hash('a.txt')).toBeDefined();
    const messages: string[] = [];
    const next = StatCache.forRun({ root, file, now, help, onBadFile: (message) => messages.push(message) });
    expect(next).toBe(between);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(file);
    // Said once: the run after it is told nothing more.
    const later: string[] = [];
    StatCache.forRun({ root, file, now, help, onBadFile: (message) => later.push(message) });
    expect(later).toEqual([]);
  });

  it('hands the next run the kept cache, its counts reset, while the file is unchanged', () => {
    const { root, file, now, help, first } = afterFirstRun();
    expect(first.counts.hashReads).toBe(1);
    const second = StatCache.forRun({ root, file, now, help });
    expect(second).toBe(first);
    expect(second.counts).toEqual({ hashHits: 0, hashReads: 0, dirHits: 0, dirReads: 0, filesVouched: 0 });
    second.hash('a.txt');
    expect(second.counts.hashHits).toBe(1);
  });

  it('reads the file again once another process rewrote it', () => {
    const { root, file, now, help, first } = afterFirstRun();
    // A run in a process of its own saves its own cache (a frame appended to the log).
    const other = new StatCache({ root, file, now });
    put(root, 'b.txt', 'b\n');
    setMtime(root, 'b.txt', T);
    other.hash('b.txt');
    other.save();
    const second = StatCache.forRun({ root, file, now, help });
    expect(second).not.toBe(first);
    second.hash('b.txt');
    expect(second.counts).toMatchObject({ hashHits: 1, hashReads: 0 });
  });

  it('reads the file again when it was deleted, and makes a new cache each run without a keeper', () => {
    const { root, file, now, help, first } = afterFirstRun();
    fs.rmSync(file);
    expect(StatCache.forRun({ root, file, now, help })).not.toBe(first);
    expect(StatCache.forRun({ root, file, now })).not.toBe(StatCache.forRun({ root, file, now }));
  });
});
