// One writer per workspace: `runner exec` and `cache clear|prune` hold
// .runner/lock while they run, so two runs in one workspace (a --watch loop
// and a manual run, two terminals, two CI steps) never run the same stage
// into the same output files at once, and never overwrite each other's
// state. A second runner waits for the first, saying so; a lock left by a
// process that died (same host, pid gone) is taken over.
//
// The lock appears whole: its content is written to a file of the runner's
// own, then hard-linked to `lock`, which fails if a lock exists. Taking over
// a dead runner's lock is serialised by `lock.takeover` (created the same
// way): under it a runner reads the lock again and removes it only if it is
// still the dead one's, so it can never remove the lock a live runner has
// just taken. Among runners started at once, exactly one holds the lock.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { messageOf } from '../util/errors.js';
import { isProcessAlive } from '../util/process.js';

interface Holder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

const POLL_MS = 100;

/** The lock cannot be taken for a reason waiting will not fix. */
export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}
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
      takeOver(file, holder, mine);
      continue;
    }
    if (!hasWaited && holder !== 'empty') {
      hasWaited = true;
      // A holder on another host cannot be checked from here: a runner killed there (a CI container whose
      // .runner was kept for the next job) leaves a lock no one takes over.
      const elsewhere =
        holder.host === mine.host
          ? ''
          : `; it runs on another machine, so whether it still runs cannot be checked from here: if it is gone, remove ${file}`;
      options.onWait?.(
        `${holder.command} (pid ${holder.pid}${holder.host === mine.host ? '' : ` on ${holder.host}`}, since ${holder.startedAt})${elsewhere}`,
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

/** Creates `file` with the holder in it, whole, unless it exists. */
function tryCreate(file: string, holder: Holder): boolean {
  const own = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(own, JSON.stringify(holder));
  try {
    fs.linkSync(own, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(own, { force: true });
  }
}

/** Removes the lock of a dead holder, unless another runner took it over first. */
export function takeOver(file: string, dead: Holder | 'empty', mine: Holder): void {
  const guard = `${file}.takeover`;
  if (!tryCreate(guard, mine)) {
    // Another runner is taking over; a guard left by one that died is removed after its owner is gone.
    const other = readHolder(guard);
    if (other !== 'gone' && isStale(guard, other)) fs.rmSync(guard, { force: true });
    return;
  }
  try {
    const now = readHolder(file);
    if (now !== 'gone' && isSameHolder(now, dead)) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function isSameHolder(a: Holder | 'empty', b: Holder | 'empty'): boolean {
  if (a === 'empty' || b === 'empty') return a === b;
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

function readHolder(file: string): Holder | 'empty' | 'gone' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'gone';
    if (code === 'EISDIR')
      throw new LockError(`${file} is a directory, not a runner's lock file: remove it (rm -r) and run again`);
    throw new LockError(`cannot read the workspace lock ${file}: ${messageOf(error)}`);
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
