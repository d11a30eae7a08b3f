import fs from 'node:fs';

/**
 * Whether a process of this host with this pid is running (signal 0 checks
 * without sending anything). A zombie is not: it has exited, only its parent
 * has not collected it yet (a runner killed by SIGKILL whose parent is busy,
 * or never waits), so a lock it held is a dead one's.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, it is another user's.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return !isZombie(pid);
}

/** Whether /proc says `pid` has exited and waits to be collected (state Z, or X); false where there is no /proc. */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false;
  }
  // pid (comm) state ...: comm may hold spaces and parentheses, so the state follows the last ')'.
  const state = stat[stat.lastIndexOf(')') + 2];
  return state === 'Z' || state === 'X';
}
