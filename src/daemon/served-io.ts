// What the daemon hands the command line it runs (src/cli's main): a
// command's own I/O relayed over the socket (server.ts), or nothing at all
// for a run it makes of itself (rehearsals.ts).
import type { CliIo } from '../cli/io.js';
import type { RunHost } from '../engine/run-host.js';

/** The I/O the daemon gives the command line it runs, the command's own relayed: always a host, and a hand-back. */
export type ServedIo = CliIo & { host: RunHost; handBack(why: string): void };

/** A command the daemon runs of itself, in the environment given. */
export interface Rehearsal {
  argv: string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}
