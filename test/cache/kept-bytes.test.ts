// The bytes a hash pass keeps for a map's items (KeptBytes): each file's,
// the very ones its hash came from, through a ring the worker writes over
// many times as the items release it; never bytes the worker may have
// written over (a file past the ring while nothing is released is not
// kept, a released one no longer given); the files this thread read kept
// too, a ring's worth at most; a file larger than KEEP_MOST, or than one
// read, not kept; nothing kept once the first items done asked for none.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFileSync, lastWholeFile } from '../../src/cache/hash-file.js';
import { KEEP_MOST, KeptBytes, RING_BYTES } from '../../src/cache/kept-bytes.js';
import { STAT_BESIDE_MIN, StatPass } from '../../src/cache/stat-beside.js';
import { sha256 } from '../../src/util/hash.js';

let dir: string;
const files: string[] = [];
/** Two files not kept: one over KEEP_MOST, one over the 1 MiB a read takes. */
const LARGE = [3, 4000];
const BLOCK = 500;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-bytes-'));
  let total = 0;
  for (let i = 0; i < STAT_BESIDE_MIN + 1000; i++) {
    const file = path.join(dir, `f${String(i).padStart(5, '0')}.txt`);
    const text = `${i}:`.padEnd(1500 + ((i * 7919) % 2000), String.fromCharCode(97 + (i % 26)));
    fs.writeFileSync(file, text);
    total += text.length;
    files.push(file);
  }
  fs.writeFileSync(files[LARGE[0] as number] as string, Buffer.alloc(KEEP_MOST + 1, 1));
  fs.writeFileSync(files[LARGE[1] as number] as string, Buffer.alloc(1.5 * (1 << 20), 2));
  // The files hold more than twice the ring: it is written over again and again.
  expect(total).toBeGreaterThan(2.5 * RING_BYTES);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A hash pass over every file keeping their bytes; this thread takes no batch when `idle`. */
function keptPass(idle: boolean) {
  const pass = new StatPass(files, { byWorker: 0, idle });
  const hashes = new Map<number, string>();
  let kept: KeptBytes | undefined;
  const all = files.map((_, i) => i);
  const turns = pass.hashLater(
    all,
    (i) => {
      hashes.set(i, hashFileSync(files[i] as string, fs.statSync(files[i] as string).size));
      const bytes = lastWholeFile();
      if (bytes) kept?.keepHere(i, bytes);
    },
    (i, digest) => hashes.set(i, Buffer.from(digest).toString('hex')),
    (hasWorker) => {
      kept = new KeptBytes(all, hasWorker);
      return kept;
    },
  );
  if (!kept) throw new Error('no KeptBytes made');
  return { pass, turns, hashes, kept };
}

/** Compared whole, not byte by byte by toEqual (slow over thousands of files). */
function expectContent(bytes: Buffer | undefined, i: number): void {
  if (!bytes?.equals(fs.readFileSync(files[i] as string))) expect.fail(`${files[i]}: not its content`);
}

describe('KeptBytes', () => {
  it("gives each file's bytes, those its hash came from, through a ring written over many times as items release it", () => {
    const { pass, turns, hashes, kept } = keptPass(true);
    expect(kept.shared).toBeDefined();
    let given = 0;
    try {
      for (let first = 0; first < files.length; first += BLOCK) {
        const end = Math.min(files.length, first + BLOCK);
        turns.through(end);
        for (let i = first; i < end; i++) {
          const bytes = kept.bytes(i);
          if (LARGE.includes(i)) {
            expect(bytes).toBeUndefined();
            continue;
          }
          expectContent(bytes, i);
          expect(sha256(bytes as Buffer)).toBe(hashes.get(i));
          if (i % 97 === 0) expect(kept.text(i, 'latin1')).toBe(bytes?.toString('latin1'));
          given++;
        }
        // The ring is held until the last file is released, then let go.
        expect(kept.shared).toBeDefined();
        kept.release(end);
        // Released: no longer given, the worker may write over them.
        expect(kept.bytes(first)).toBeUndefined();
      }
    } finally {
      pass.end();
    }
    expect(given).toBe(files.length - LARGE.length);
    expect(kept.shared).toBeUndefined();
  });

  it('never writes over bytes not released: with none released the worker keeps a ring of them at most, this thread reads on', () => {
    const { pass, turns, kept } = keptPass(false);
    let given = 0;
    let givenBytes = 0;
    try {
      turns.through(files.length);
      for (let i = 0; i < files.length; i++) {
        const bytes = kept.bytes(i);
        if (bytes === undefined) continue;
        expectContent(bytes, i);
        given++;
        givenBytes += bytes.length;
      }
    } finally {
      pass.end();
    }
    // A ring's worth from the worker and at most as much from this thread (which reads the rest).
    expect(given).toBeGreaterThan(0);
    expect(givenBytes).toBeLessThanOrEqual(2 * RING_BYTES);
    // What the worker kept fits in the ring: it waited for room, and this thread read the files it left.
    const lengths = kept.shared?.length ?? new Int32Array(0);
    let inRing = 0;
    let byWorker = 0;
    for (const n of lengths) {
      if (n < 0) continue;
      inRing += n;
      byWorker++;
    }
    expect(byWorker).toBeGreaterThan(0);
    expect(inRing).toBeLessThanOrEqual(RING_BYTES);
  });

  it('keeps nothing more once the first items done asked for none (they read their files themselves)', () => {
    const { pass, turns, kept } = keptPass(false);
    try {
      turns.through(BLOCK);
      kept.release(BLOCK);
      // The last file: more than a ring past the first, so the worker cannot have
      // copied it before it was told (a file just past BLOCK it may have).
      const last = files.length - 1;
      kept.keepHere(last, fs.readFileSync(files[last] as string));
      expect(kept.bytes(last)).toBeUndefined();
      // The worker is told too: it copies no more files into the ring.
      expect(Atomics.load(kept.shared?.control ?? new Int32Array(2), 1)).toBe(0);
    } finally {
      pass.end();
    }
  });

  it('keeps the files this thread reads when there is no worker, and gives a copy each time', () => {
    const few = files.slice(0, 10);
    const kept = new KeptBytes(
      few.map((_, i) => i),
      false,
    );
    expect(kept.shared).toBeUndefined();
    const content = fs.readFileSync(few[5] as string);
    kept.keepHere(5, content);
    const first = kept.bytes(5) as Buffer;
    expect(first).toEqual(content);
    first.fill(0);
    expect(kept.bytes(5)).toEqual(content);
    expect(kept.text(5, 'utf8')).toBe(content.toString('utf8'));
    expect(kept.bytes(4)).toBeUndefined();
    kept.release(6);
    expect(kept.bytes(5)).toBeUndefined();
  });

  it('keeps at most a ring of the bytes this thread reads, and takes more once some are released', () => {
    const count = 40;
    const kept = new KeptBytes(
      Array.from({ length: count }, (_, i) => i),
      false,
    );
    const large = Buffer.alloc(KEEP_MOST, 3);
    for (let i = 0; i < count; i++) kept.keepHere(i, large);
    const held = Array.from({ length: count }, (_, i) => kept.bytes(i) !== undefined);
    expect(held.filter(Boolean)).toHaveLength(RING_BYTES / KEEP_MOST);
    expect(held.slice(0, RING_BYTES / KEEP_MOST).every(Boolean)).toBe(true);
    kept.release(RING_BYTES / KEEP_MOST);
    kept.keepHere(count - 1, large);
    expect(kept.bytes(count - 1)?.equals(large)).toBe(true);
  });
});
