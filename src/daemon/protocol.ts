// What the command and the daemon say to each other over .runner/daemon.sock,
// one JSON object per line (client.ts, server.ts).

/** The command's request; a later `{ signal }` line cancels it. */
export interface DaemonRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Whether the command's stderr is a terminal, and its width. */
  isTty: boolean;
  columns?: number;
  /** The width of the command's stdout when it is a terminal (help is wrapped to it). */
  outColumns?: number;
  /** The command's umask: the files of the commands the daemon runs for it are made with it. */
  umask?: number;
  build: string;
}

/** The daemon's answers: stdout, stderr, then the exit code, or `defer` (run it yourself). */
export type DaemonFrame = { o: string } | { e: string } | { exit: number } | { defer: string };

/**
 * A run the daemon handed back asks, as it starts in the command's own process, what the daemon's
 * watch log vouches for (watch-log.ts): `{ basis: build }`. The answer is one line, `{ lists }`, then
 * each list's stats as raw bytes (FIELDS float64 numbers a file), in order; then the daemon hangs up.
 */
export interface BasisRequest {
  basis: string;
}

export interface BasisAnswer {
  lists: { identity: string; count: number; stale: readonly number[] }[];
}

/**
 * A run the daemon handed back says, once it is over, that it ran:
 * `{ ran: build, argv, cwd, env }`, and hangs up. The daemon then runs it
 * again as a rehearsal (server.ts), which finds it all cached and keeps a
 * pass of its lists now that its watchers are up: the next edit's run is
 * then vouched for, as after a no-op the daemon served. Nothing is answered.
 */
export interface RanRequest {
  ran: string;
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}
