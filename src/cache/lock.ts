// One writer per workspace: `runner exec` and `cache clear|prune` hold
// .runner/lock while they run, so two runs in one workspace (a --watch loop
// and a manual run, two terminals, two CI steps) never run the same stage
// into the same output files at once, and never overwrite each other's
// state. A second runner waits for the first, saying so; a lock left by a
// process that died (same host, pid gone) is taken over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isProcessAlive } from '../util/process.js';

interface Holder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

const POLL_MS = 100;
/** A lock file still empty after this long was left by a process that died while creating it. */
const EMPTY_STALE_MS = 2000;

export interface LockOptions {
  command: string;
  signal?: AbortSignal;
  /** Told once when the lock is held by another runner, with who holds it. */
  onWait?: (holder: string) => void;
}

/** Takes the workspace lock (waiting while another live runner holds it); returns its release. */
export async function lockWorkspace(stateDir: string, options: LockOptions): Promise<() => void> {
  const file = path.join(stateDir, 'lock');
  fs.mkdirSync(stateDir, { recursive: true });
  const mine: Holder = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    command: options.command,
  };
  let hasWaited = false;
  for (;;) {
    options.signal?.throwIfAborted();
    if (tryCreate(file, mine)) break;
    const holder = readHolder(file);
    if (holder === 'gone') continue;
    if (isStale(file, holder)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!hasWaited && holder !== 'empty') {
      hasWaited = true;
      options.onWait?.(
        `${holder.command} (pid ${holder.pid}${holder.host === mine.host ? '' : ` on ${holder.host}`}, since ${holder.startedAt})`,
      );
    }
    await pause(POLL_MS, options.signal);
  }
  const release = (): void => {
    const holder = readHolder(file);
    if (typeof holder === 'object' && holder.pid === mine.pid && holder.host === mine.host)
      fs.rmSync(file, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return release;
}

function tryCreate(file: string, holder: Holder): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, JSON.stringify(holder));
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function readHolder(file: string): Holder | 'empty' | 'gone' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return 'gone';
  }
  try {
    const holder = JSON.parse(text) as Holder;
    return typeof holder.pid === 'number' ? holder : 'empty';
  } catch {
    return 'empty';
  }
}

function isStale(file: string, holder: Holder | 'empty'): boolean {
  if (holder === 'empty') {
    try {
      return Date.now() - fs.statSync(file).mtimeMs > EMPTY_STALE_MS;
    } catch {
      return false;
    }
  }
  // Another machine's process (a shared disk) cannot be checked from here.
  return holder.host === os.hostname() && !isProcessAlive(holder.pid);
}

/** Waits `ms`, or rejects when `signal` aborts (node:timers/promises, without loading it at start-up). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
