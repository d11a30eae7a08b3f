// Temp files and directories left by runs that died. A run writes blobs
// through .runner/objects/tmp/<pid>-<random> and gives stages
// .runner/tmp/<pipeline>-<stage>-<pid>-<time>; a SIGKILL leaves them behind.
// Both names carry the writer's pid, so an entry whose process is gone is
// garbage, whatever its age, and one whose process lives is never touched.
import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../util/process.js';

const PLACES: [dir: string, pidOf: (name: string) => number][] = [
  [path.join('objects', 'tmp'), (name) => Number(name.split('-')[0])],
  ['tmp', (name) => Number(name.split('-').at(-2))],
];

/** Removes the temp entries of dead processes under `stateDir`; returns how many. */
export function sweepTemp(stateDir: string): number {
  let removed = 0;
  for (const [dir, pidOf] of PLACES) {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(stateDir, dir));
    } catch {
      continue;
    }
    for (const name of names) {
      const pid = pidOf(name);
      if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) continue;
      fs.rmSync(path.join(stateDir, dir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * Removes the entries of `dir` named `<prefix><pid>-...` whose process is
 * gone (a remote worker's temp directory, left by a SIGKILL); returns how many.
 */
export function sweepPidNamed(dir: string, prefix: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.startsWith(prefix));
  } catch {
    return 0;
  }
  for (const name of names) {
    // `<pid>-` and nothing else: an older runner's `runner-worker-123456` may be a random suffix.
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || isProcessAlive(pid)) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
