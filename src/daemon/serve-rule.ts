// Which commands the daemon may serve: a plain `exec` (the flags that always
// run in a process of their own are not worth a round trip), with the daemon
// not turned off (RUNNER_DAEMON=0, or CI without RUNNER_DAEMON=1). The
// command asks only then, and the daemon checks again.
import { setsShort } from '../cli/short-options.js';
import { isCi } from '../util/ci.js';

const OWN_PROCESS_FLAGS = /^(-C|-f)|^--(dir|file|watch|force|dry-run|no-cache|report)(=|$)/;

export function daemonMayServe(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  // -w, -C or -f given with other short options (`-kw`, `-kCdir`) counts too.
  const isOwn = (arg: string): boolean =>
    OWN_PROCESS_FLAGS.test(arg) || setsShort(arg, 'w') || setsShort(arg, 'C') || setsShort(arg, 'f');
  if (argv[0] !== 'exec' || argv.some(isOwn)) return false;
  return isDaemonWanted(env);
}

/** RUNNER_DAEMON=1 always, RUNNER_DAEMON=0 never, otherwise outside CI. */
export function isDaemonWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  const wanted = env.RUNNER_DAEMON;
  return wanted !== '0' && (wanted === '1' || !isCi(env));
}
