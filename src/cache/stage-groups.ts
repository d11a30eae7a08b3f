// The process groups of running shell stages. A shell stage runs in a group
// of its own so that Ctrl-C reaches every process it started; so a runner
// killed with SIGKILL (or by the OOM killer) leaves that group running. A
// command that prints nothing never notices (one that prints dies of
// SIGPIPE on its next line), and goes on writing its outputs while the next
// run starts the same stage over them: that run records a file two
// commands wrote at once. Each group is noted while it runs, as
// .runner/groups/<runner pid>-<group id>, with its leader's start time; the
// next runner, holding the workspace lock, kills the groups of runners that
// are gone before it runs anything.
//
// Linux only: a group is killed when /proc shows its leader with the start
// time noted (the pid not used again since), or the leader is gone but the
// group still has members (a pid stays taken while a group is named by it).
// Elsewhere a note is kept only while its runner lives, and nothing is killed.
import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../util/process.js';

const DIR = 'groups';

/** Notes the group led by `pid` as this runner's; returns the call that forgets it (when the group has ended). */
export function noteStageGroup(stateDir: string, pid: number): () => void {
  const dir = path.join(stateDir, DIR);
  const file = path.join(dir, `${process.pid}-${pid}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, startTimeOf(pid) ?? '');
  } catch {
    // Not noted: a kill of this runner would leave the group as before.
    return () => {};
  }
  return () => fs.rmSync(file, { force: true });
}

/** Kills the groups noted by runners that are gone and forgets them; returns how many were still running. */
export function stopLeftGroups(stateDir: string): number {
  const dir = path.join(stateDir, DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let stopped = 0;
  for (const name of names) {
    const [runner, group] = name.split('-').map(Number);
    if (!isPid(runner) || !isPid(group)) continue;
    if (isProcessAlive(runner)) continue;
    let noted = '';
    try {
      noted = fs.readFileSync(path.join(dir, name), 'latin1');
    } catch {
      continue;
    }
    if (noted !== '' && isSameGroup(group, noted)) {
      try {
        process.kill(-group, 'SIGKILL');
        stopped++;
      } catch {
        // ended meanwhile
      }
    }
    fs.rmSync(path.join(dir, name), { force: true });
  }
  return stopped;
}

function isPid(value: number | undefined): value is number {
  return value !== undefined && Number.isInteger(value) && value > 0;
}

/** Whether the group `group` is still the one whose leader started at `noted`. */
function isSameGroup(group: number, noted: string): boolean {
  const now = startTimeOf(group);
  if (now !== undefined) return now === noted;
  // The leader is gone: members left in the group keep its id from being used again.
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process's start time (clock ticks since boot, from /proc); undefined where there is none. */
function startTimeOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid ...: comm may hold spaces and parentheses; starttime is the 22nd field, the 20th after comm.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}
