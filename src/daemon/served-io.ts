// What the daemon hands the command line it runs (src/cli's main): a
// command's own I/O relayed over the socket (server.ts), or nothing at all
// for a run it makes of itself (rehearsals.ts).
import type { RunHost } from '../engine/run-host.js';

/** The I/O the daemon gives the command line it runs, the command's own relayed. */
export interface ServedIo {
  argv: string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  isTty: boolean;
  signal?: AbortSignal;
  host: RunHost;
  handBack(why: string): void;
  /** Told when the run waits for the workspace another runner holds. */
  onWorkspaceWait?(): void;
  outColumns?: number | null;
  terminal?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** A command the daemon runs of itself, in the environment given. */
export interface Rehearsal {
  argv: string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}
