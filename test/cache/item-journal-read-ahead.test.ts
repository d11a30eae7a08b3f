// A run reuses journaled items mostly in the order they were journaled: the
// journal then reads them ahead in windows (a few reads for thousands of
// items, not one read each), and any other order still gets every item's
// own bytes, which later reads never write over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ItemJournal } from '../../src/cache/item-journal.js';
import { KEY_BYTES, keyOf } from '../../src/cache/item-keys.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A journal of `frames` frames of `per` items, each item's output of its own length, every third with a raw result. */
function written(frames: number, per: number): { file: string; outs: string[]; raws: (string | undefined)[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-ahead-'));
  dirs.push(dir);
  const file = path.join(dir, 'scope.journal');
  const journal = new ItemJournal(file);
  const outs: string[] = [];
  const raws: (string | undefined)[] = [];
  for (let f = 0; f < frames; f++) {
    const names = Array.from({ length: per }, (_, i) => `item-${f * per + i}`);
    const keys = Buffer.concat(names.map((name) => keyOf(name)));
    journal.append(
      names.map((name, i) => {
        const out = `{"name":"${name}","pad":"${'x'.repeat((f * per + i) % 53)}"}\n`;
        const raw = i % 3 === 0 ? JSON.stringify({ of: name }) : undefined;
        outs.push(out);
        raws.push(raw);
        return { keys, keyOffset: i * KEY_BYTES, out: Buffer.from(out), count: 1, raw };
      }),
    );
  }
  journal.close();
  return { file, outs, raws };
}

describe('the item journal read back', () => {
  it('reads items asked for in journal order in a few reads ahead, each with its own bytes', () => {
    const { file, outs, raws } = written(4, 1500);
    const journal = new ItemJournal(file);
    const reads = vi.spyOn(fs, 'readSync');
    const got = outs.map((_, i) => [journal.output(i), journal.raw(i)] as const);
    // About 250 KB of entries: windows of 16 KiB doubling to 1 MiB, not 8,000 reads.
    expect(reads.mock.calls.length).toBeLessThan(12);
    expect(got.map(([out]) => out.toString())).toEqual(outs);
    expect(got.map(([, raw]) => raw)).toEqual(raws);
    journal.close();
  });

  it('answers any other order too, and an answer stays as it was after later reads', () => {
    const { file, outs, raws } = written(3, 700);
    const journal = new ItemJournal(file);
    const order = outs.map((_, i) => i);
    // Backwards, then shuffled (a fixed permutation), then in order again from the middle.
    const shuffled = order.map((i) => (i * 7919) % outs.length);
    const asked = [...order.slice().reverse(), ...shuffled, ...order.slice(1000)];
    const held = asked.map((i) => [i, journal.output(i), journal.raw(i)] as const);
    for (const [i, out, raw] of held) {
      expect(out.toString(), `item ${i}`).toBe(outs[i]);
      expect(raw).toBe(raws[i]);
    }
    journal.close();
  });
});
