// Everything the CLI takes from the process, passed down explicitly so the
// commands are testable in-process.
import os from 'node:os';
import type { RunHost } from '../engine/run-host.js';
import { exitNow } from '../engine/exit-guard.js';

export interface CliIo {
  argv: string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  isTty: boolean;
  /** Aborts on Ctrl-C / SIGTERM. */
  signal?: AbortSignal;
  /** Where runs run (default: this process). A host may not admit a run (RunHost.grant). */
  host?: RunHost;
  /** Told when a run was not admitted by the host, before anything was printed: the caller runs it elsewhere. */
  handBack?(why: string): void;
  /** Told when the command starts waiting for the workspace another runner holds (the daemon then sends back the commands queued behind it). */
  onWorkspaceWait?(): void;
  /** Where live progress bars draw (default process.stderr; the daemon's is the command's). */
  terminal?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** The width help is wrapped to: the command's stdout's when it is a terminal, null when it is not (default: this process's stdout). */
  outColumns?: number | null;
}

/** Prints a warning on stderr: `warning: <message>`. */
export function warnOf(io: Pick<CliIo, 'stderr'>): (message: string) => void {
  return (message) => io.stderr(`warning: ${message}\n`);
}

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/**
 * The exit code of a command once `signal` (the last one it got, if any)
 * interrupted it: 128 plus the signal's number, as a shell reports a
 * process the signal ended (130 for Ctrl-C, 143 for SIGTERM). A command it
 * did not interrupt keeps its own code.
 */
export function exitAfter(code: number, signal: NodeJS.Signals | undefined): number {
  if (code !== EXIT.interrupted || signal === undefined) return code;
  return 128 + (os.constants.signals[signal] ?? os.constants.signals.SIGINT);
}

/** What a command prints when a signal (Ctrl-C, SIGTERM) starts cancelling it. */
export function cancellingLine(signal: NodeJS.Signals): string {
  return `\nrunner: ${signal}: cancelling (press Ctrl-C again to quit at once)\n`;
}

/** stdout's and stderr's error handler: a closed pipe (`runner list | head`) ends the command quietly, as other CLIs do. */
export function quietOnClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') exitNow(Number(process.exitCode ?? 0));
  throw error;
}

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
