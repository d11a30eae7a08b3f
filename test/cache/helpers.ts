// Shared by the cache unit tests: a temp directory per test and a clock the
// test moves by hand. No sleeps: time is whatever the test says it is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the current test. */
export function tempDir(prefix = 'runner-cache-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/** Writes `content` to `root/relative`, creating directories. */
export function put(root: string, relative: string, content: string | Uint8Array): string {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Sets a file's (or directory's) mtime to `ms` exactly (atime too); its ctime becomes now. */
export function setMtime(root: string, relative: string, ms: number): void {
  const at = new Date(ms);
  fs.utimesSync(path.join(root, relative), at, at);
}

/** A clock the test advances: `now()` for code under test, `time.ms` to move it. */
export function fakeClock(startMs = Date.UTC(2030, 0, 1)): { time: { ms: number }; now: () => number } {
  const time = { ms: startMs };
  return { time, now: () => time.ms };
}
