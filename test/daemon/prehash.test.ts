// The daemon's hashing between runs: after a file event it knows the new
// hash, but only for the very stat it hashed, and never a racy one.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParallelHasher } from '../../src/cache/parallel-hasher.js';
import { PreHasher } from '../../src/daemon/prehash.js';
import { waitFor } from '../e2e/rig.js';

const hasher = new ParallelHasher();
afterAll(() => hasher.close());

/** Resolves once the event loop has turned three times: a resumed PreHasher has watched what it was told by then. */
const turned = (): Promise<void> =>
  new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const stat = (file: string): { size: number; changedMs: number; ino: number; mode: number } => {
  const st = fs.statSync(file);
  return { size: st.size, changedMs: st.ctimeMs, ino: st.ino, mode: st.mode };
};

describe('PreHasher', () => {
  it('hashes changed files of watched directories, and answers only for the stat it hashed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-prehash-'));
    const files = Array.from({ length: 40 }, (_, i) => path.join(dir, `f${i}.txt`));
    for (const file of files) fs.writeFileSync(file, 'before\n');
    const preHasher = new PreHasher(hasher);
    try {
      const help = preHasher.help();
      help.watch?.(() => [dir]);
      preHasher.resume();
      await turned();
      for (const file of files) fs.writeFileSync(file, 'after!\n');
      const last = files.at(-1) as string;
      const known = await waitFor(() => help.known?.(last, stat(last)), 5000, 'the hash of the changed file');
      expect(known).toBe(sha256('after!\n'));
      for (const file of files) expect(help.known?.(file, stat(file))).toBe(sha256('after!\n'));

      // Same size, new content: the old hash is not offered for the new stat.
      fs.writeFileSync(files[0] as string, 'again!\n');
      expect(help.known?.(files[0] as string, stat(files[0] as string))).toBeUndefined();
      // Paused (a run is being served): events queue, nothing is hashed until resume().
      preHasher.isPaused = true;
      fs.writeFileSync(files[1] as string, 'paused\n');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(help.known?.(files[1] as string, stat(files[1] as string))).toBeUndefined();
      preHasher.resume();
      expect(
        await waitFor(() => help.known?.(files[1] as string, stat(files[1] as string)), 5000, 'the hash after resume'),
      ).toBe(sha256('paused\n'));
    } finally {
      preHasher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts an edit (a new hash that is not the held one), not a touch, and flush() hashes what is queued at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-prehash-'));
    const files = ['a.txt', 'b.txt', 'new.txt'].map((name) => path.join(dir, name));
    fs.writeFileSync(files[0] as string, 'a\n');
    fs.writeFileSync(files[1] as string, 'b\n');
    const held = new Map([
      [files[0] as string, sha256('a\n')],
      [files[1] as string, sha256('b\n')],
    ]);
    let isHeld = true;
    const preHasher = new PreHasher(hasher, () => (isHeld ? (file) => held.get(file) : undefined));
    try {
      const help = preHasher.help();
      help.watch?.(() => [dir]);
      preHasher.resume();
      await turned();
      preHasher.isPaused = true;
      /** Once its event has come: the hash flush() made of `file` as it is now. */
      const flushed = (file: string, what: string): Promise<string> =>
        waitFor(
          () => {
            preHasher.flush();
            return help.known?.(file, stat(file));
          },
          5000,
          what,
        );
      // A touch (same content), and a file the cache holds nothing for: no edit.
      fs.writeFileSync(files[0] as string, 'a\n');
      fs.writeFileSync(files[2] as string, 'new\n');
      await flushed(files[0] as string, 'the touch hashed');
      expect(preHasher.edits).toBe(0);
      // An edit, seen by flush() while paused (a run about to be served), without waiting for a turn.
      fs.writeFileSync(files[1] as string, 'b, edited\n');
      await waitFor(
        () => {
          preHasher.flush();
          return preHasher.edits > 0 ? true : undefined;
        },
        5000,
        'the edit counted',
      );
      expect(preHasher.edits).toBe(1);
      expect(help.known?.(files[1] as string, stat(files[1] as string))).toBe(sha256('b, edited\n'));
      // With no held hashes to trust (the cache's file was rewritten by another run), nothing counts.
      isHeld = false;
      fs.writeFileSync(files[0] as string, 'a, edited\n');
      await flushed(files[0] as string, 'the second edit hashed');
      expect(preHasher.edits).toBe(1);
    } finally {
      preHasher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells an edit from the hashes held when asked, not when the file was hashed (a run elsewhere saves its own hash after)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-prehash-'));
    const output = path.join(dir, 'sum.txt');
    fs.writeFileSync(output, 'old sum\n');
    // What the stat cache on disk holds: the old output's hash, until the run that rewrote it saves.
    const held = new Map([[output, sha256('old sum\n')]]);
    const preHasher = new PreHasher(hasher, () => (file) => held.get(file));
    try {
      const help = preHasher.help();
      help.watch?.(() => [dir]);
      preHasher.resume();
      await turned();
      // A run in a process of its own rewrites its output; the daemon hashes it on its event, before that run saved.
      fs.writeFileSync(output, 'new sum\n');
      await waitFor(
        () => {
          preHasher.flush();
          return help.known?.(output, stat(output));
        },
        5000,
        'the rewritten output hashed',
      );
      held.set(output, sha256('new sum\n'));
      // The next command asks: the stat cache holds what the daemon hashed, so nothing was edited.
      expect(preHasher.edits).toBe(0);
      // An edit after it still counts.
      fs.writeFileSync(output, 'edited!\n');
      await waitFor(
        () => {
          preHasher.flush();
          return help.known?.(output, stat(output));
        },
        5000,
        'the edit hashed',
      );
      expect(preHasher.edits).toBe(1);
    } finally {
      preHasher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists what a run told it to watch only once it has resumed and the event loop has turned, never during a run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-prehash-'));
    const files = [path.join(dir, 'a.txt')];
    fs.writeFileSync(files[0] as string, 'a\n');
    const preHasher = new PreHasher(hasher);
    try {
      const help = preHasher.help();
      let listed = 0;
      const list = (): readonly string[] => {
        listed++;
        return [dir];
      };
      // Told during a run (paused), as the run's stat cache saves: not listed then.
      preHasher.isPaused = true;
      help.watch?.(list);
      expect(listed).toBe(0);
      // Resumed: not listed before the event loop turns (the answer goes out first).
      preHasher.resume();
      expect(listed).toBe(0);
      // A run served again before that: still not listed; then after it, once.
      preHasher.isPaused = true;
      await turned();
      expect(listed).toBe(0);
      preHasher.resume();
      await turned();
      expect(listed).toBe(1);
      // Watched: an edit is hashed.
      fs.writeFileSync(files[0] as string, 'a, edited\n');
      const file = files[0] as string;
      expect(await waitFor(() => help.known?.(file, stat(file)), 5000, 'the edit hashed')).toBe(sha256('a, edited\n'));
      // Told nothing new (undefined: the files it was last told): nothing more is listed.
      help.watch?.(() => undefined);
      preHasher.resume();
      await turned();
      expect(listed).toBe(1);
    } finally {
      preHasher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
