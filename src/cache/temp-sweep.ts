// Temp files and directories left by runs that died. A run writes blobs
// through .runner/objects/tmp/<pid>-<random> and gives stages
// .runner/tmp/<pipeline>-<stage>-<pid>-<time>; a SIGKILL leaves them behind.
// Both names carry the writer's pid, so an entry whose process is gone is
// garbage, whatever its age, and one whose process lives is never touched.
// So do the temp files written beside their final names (below).
import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../util/process.js';

const PLACES: [dir: string, pidOf: (name: string) => number][] = [
  [path.join('objects', 'tmp'), (name) => Number(name.split('-')[0])],
  ['tmp', (name) => Number(name.split('-').at(-2))],
];

// A file written whole is written to `<name>.<pid>.<hex>.tmp` beside it
// (writeFileAtomic: the state, the stat cache, memos, run records, compiled
// modules), and the lock to `lock.<pid>.<random>` before it is linked: a
// kill between the write and the rename (or link) leaves that file, one
// more each time. These places hold a few files each, so listing them costs
// little; the objects, which may be a million, write theirs in objects/tmp.
const BESIDE: [dir: string, isTree: boolean][] = [
  ['', false],
  ['passes', false],
  ['globs', false],
  ['runs', false],
  ['modules', true],
];
const BESIDE_NAME = /\.(\d+)\.[0-9a-f]+\.tmp$|^lock(?:\.takeover)?\.(\d+)\.[0-9a-z]+$/;

/** Removes the temp entries of dead processes under `stateDir`; returns how many. */
export function sweepTemp(stateDir: string): number {
  let removed = 0;
  for (const [dir, pidOf] of PLACES) {
    removed += removeWhere(path.join(stateDir, dir), (name) => !isLiveWriter(pidOf(name)));
  }
  for (const [dir, isTree] of BESIDE) removed += sweepBeside(path.join(stateDir, dir), isTree);
  return removed;
}

/** Removes the files written beside their final name by processes that are gone (in subdirectories too, for a tree). */
function sweepBeside(dir: string, isTree: boolean): number {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (isTree) removed += sweepBeside(path.join(dir, entry.name), true);
      continue;
    }
    const match = BESIDE_NAME.exec(entry.name);
    if (!match || isLiveWriter(Number(match[1] ?? match[2]))) continue;
    fs.rmSync(path.join(dir, entry.name), { force: true });
    removed++;
  }
  return removed;
}

function isLiveWriter(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid);
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
