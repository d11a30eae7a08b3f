// Everything the CLI takes from the process, passed down explicitly so the
// commands are testable in-process.
import type { HashHelp } from '../cache/stat-cache.js';

export interface CliIo {
  argv: string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  isTty: boolean;
  /** Aborts on Ctrl-C / SIGTERM. */
  signal?: AbortSignal;
  /**
   * Served by the runner daemon: `exec` runs only when every stage is
   * cached, and otherwise throws DeferredRun before printing or writing
   * anything, for the caller to run it in a process of its own.
   */
  isDaemon?: boolean;
  /** What the daemon lends a run's hashing (src/cache/stat-cache.ts). */
  hashHelp?: HashHelp;
  /** Where live progress bars draw (default process.stderr; the daemon's is the command's). */
  terminal?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** A run the daemon hands back: some stage must run, and stage code runs only in a fresh process. */
export class DeferredRun extends Error {
  constructor(why: string) {
    super(`deferred: ${why}`);
    this.name = 'DeferredRun';
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Thrown for bad usage or an invalid config: printed, exit code 2. */
export class UsageError extends Error {
  /** Config diagnostics start with file:line:col and are printed without the `runner:` prefix. */
  readonly isDiagnostic: boolean;
  constructor(message: string, options: { isDiagnostic?: boolean } = {}) {
    super(message);
    this.name = 'UsageError';
    this.isDiagnostic = options.isDiagnostic === true;
  }
}
