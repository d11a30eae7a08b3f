// A shell stage: `/bin/sh -c command` in the workspace root, in its own
// process group so cancellation reaches every child it started.
import { StringDecoder } from 'node:string_decoder';
import type { Failure } from '../events.js';
import { childProcess } from '../../util/builtins.js';

export interface ShellOptions {
  command: string;
  cwd: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  /** Time between SIGTERM and SIGKILL when cancelled. */
  killGraceMs?: number;
}

const STDERR_TAIL = 20;

/** Resolves to undefined on exit code 0, otherwise to the failure. */
export function runShell(options: ShellOptions): Promise<Failure | undefined> {
  return new Promise((resolve) => {
    if (options.signal.aborted) return resolve({ kind: 'killed', signal: 'SIGTERM' });
    const child = childProcess().spawn('/bin/sh', ['-c', options.command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const tail: string[] = [];
    const lines = (stream: 'stdout' | 'stderr') => {
      const decoder = new StringDecoder('utf8');
      let pending = '';
      return {
        push(chunk: Buffer) {
          pending += decoder.write(chunk);
          const parts = pending.split('\n');
          pending = parts.pop() ?? '';
          for (const line of parts) emit(stream, line);
        },
        end() {
          pending += decoder.end();
          if (pending !== '') emit(stream, pending);
          pending = '';
        },
      };
    };
    const emit = (stream: 'stdout' | 'stderr', line: string): void => {
      const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (stream === 'stderr') {
        tail.push(clean);
        if (tail.length > STDERR_TAIL) tail.shift();
      }
      options.onLine(stream, clean);
    };
    const out = lines('stdout');
    const err = lines('stderr');
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));

    let killTimer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2000);
      killTimer.unref();
    };
    options.signal.addEventListener('abort', kill, { once: true });
    child.on('error', (error) => {
      options.signal.removeEventListener('abort', kill);
      resolve({ kind: 'error', message: `cannot start /bin/sh: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      options.signal.removeEventListener('abort', kill);
      if (killTimer) clearTimeout(killTimer);
      out.end();
      err.end();
      if (code === 0) resolve(undefined);
      else if (code !== null) resolve({ kind: 'exit-non-zero', code, stderrTail: tail });
      else resolve({ kind: 'killed', signal: signal ?? 'SIGKILL' });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}
