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
    removed += removeWhere(path.join(stateDir, dir), (name) => {
      const pid = pidOf(name);
      return !(Number.isInteger(pid) && pid > 0 && isProcessAlive(pid));
    });
  }
  return removed;
}

/**
 * Removes the entries of `dir` named `<prefix><pid>-...` whose process is
 * gone (a remote worker's temp directory, left by a SIGKILL); returns how many.
 */
export function sweepPidNamed(dir: string, prefix: string): number {
  return removeWhere(dir, (name) => {
    if (!name.startsWith(prefix)) return false;
    // `<pid>-` and nothing else: an older runner's `runner-worker-123456` may be a random suffix.
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    return Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid);
  });
}

/** Removes the entries of `dir` whose name `isGarbage` says (none when it cannot be listed); returns how many. */
export function removeWhere(dir: string, isGarbage: (name: string) => boolean): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names.filter(isGarbage)) {
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
