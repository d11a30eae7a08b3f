// A shell stage: `/bin/sh -c command` in the workspace root, in its own
// process group so cancellation reaches every child it started. A command
// that is only plain words (`sh tools/stage.sh chains/a 1`) is started
// directly, as make does: the shell would only have parsed it and started it
// (dash forks for it and waits), and starting that shell cost more than 1 ms
// of CPU per stage.
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
  /** Told the command's process group as it starts; what it returns is called once the command has ended. */
  onGroup?: (pid: number) => () => void;
}

const STDERR_TAIL = 20;

/** Resolves to undefined on exit code 0, otherwise to the failure. */
export function runShell(options: ShellOptions): Promise<Failure | undefined> {
  return new Promise((resolve) => {
    if (options.signal.aborted) return resolve({ kind: 'killed', signal: 'SIGTERM' });
    const words = plainWords(options.command);
    const [file, args] = words ? [words[0] as string, words.slice(1)] : ['/bin/sh', ['-c', options.command]];
    const child = childProcess().spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const forgetGroup = child.pid === undefined ? undefined : options.onGroup?.(child.pid);
    const log = new Log(options.onLine);
    const out = log.stream('stdout');
    const err = log.stream('stderr');
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2000);
      killTimer.unref();
    };
    options.signal.addEventListener('abort', kill, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.signal.removeEventListener('abort', kill);
      // Started directly, a command that cannot run fails as it would under the shell.
      const asShell = words && SHELL_ERRORS[error.code ?? ''];
      if (!asShell) return resolve({ kind: 'error', message: `cannot start ${file}: ${error.message}` });
      log.line('stderr', `${file}: ${asShell.message}`);
      resolve({ kind: 'exit-non-zero', code: asShell.code, stderrTail: log.tail });
    });
    child.on('close', (code, signal) => {
      options.signal.removeEventListener('abort', kill);
      if (killTimer) clearTimeout(killTimer);
      forgetGroup?.();
      out.end();
      err.end();
      if (code === 0) resolve(undefined);
      else if (code !== null) resolve({ kind: 'exit-non-zero', code, stderrTail: log.tail });
      else resolve({ kind: 'killed', signal: signal ?? 'SIGKILL' });
    });
  });
}

/** A command's output as lines (UTF-8 cut anywhere, CRLF or LF), keeping the last lines of stderr for the failure. */
class Log {
  readonly tail: string[] = [];
  readonly #onLine: ShellOptions['onLine'];

  constructor(onLine: ShellOptions['onLine']) {
    this.#onLine = onLine;
  }

  stream(stream: 'stdout' | 'stderr'): { push(chunk: Buffer): void; end(): void } {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    return {
      push: (chunk) => {
        pending += decoder.write(chunk);
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) this.line(stream, line);
      },
      end: () => {
        pending += decoder.end();
        if (pending !== '') this.line(stream, pending);
        pending = '';
      },
    };
  }

  line(stream: 'stdout' | 'stderr', line: string): void {
    const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (stream === 'stderr') {
      this.tail.push(clean);
      if (this.tail.length > STDERR_TAIL) this.tail.shift();
    }
    this.#onLine(stream, clean);
  }
}

/** What sh says (and exits with) when a command cannot be started. */
const SHELL_ERRORS: Record<string, { code: number; message: string }> = {
  ENOENT: { code: 127, message: 'not found' },
  EACCES: { code: 126, message: 'Permission denied' },
};

// Words of the shell's own (builtins and reserved words): such a command
// keeps its shell meaning.
const SHELL_WORDS = new Set(
  (
    '. : [ alias bg break case cd chdir command continue do done echo elif else esac eval exec exit export false fc fg fi for ' +
    'getopts hash if in jobs kill local printf pwd read readonly return set shift test then times trap true type ulimit umask ' +
    'unalias unset until wait while'
  ).split(' '),
);

/**
 * The words of a command the shell would run as a plain program with
 * arguments: words of letters, digits and `_@%+=:,./-` separated by spaces,
 * the first neither a shell word nor an assignment. Undefined for anything
 * else (quotes, `$`, globs, `~`, redirections, pipes, `;`, newlines...).
 */
export function plainWords(command: string): string[] | undefined {
  if (!/^[ \t]*[A-Za-z0-9_@%+=:,./-]+([ \t]+[A-Za-z0-9_@%+=:,./-]+)*[ \t]*$/.test(command)) return undefined;
  const words = command.trim().split(/[ \t]+/);
  const first = words[0] as string;
  if (SHELL_WORDS.has(first) || first.includes('=')) return undefined;
  return words;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}
