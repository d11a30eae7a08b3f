// exec's short options given together, as commander reads them: `-kw` is
// `-k -w`, and in `-kj4` the 4 is -j's value. Two readers see the command
// line raw: the daemon's serve rule (before the runner loads) and --watch,
// which runs each cycle without -w.

/** exec's short options that take a value, its own and the global -f and -C (main.ts): in a cluster, the rest of the argument is that value. */
const TAKES_VALUE = new Set(['j', 'p', 'f', 'C']);

/** `arg` without the short option `letter` (`-kw` -> `-k`); undefined when nothing is left (`-w`). */
export function withoutShort(arg: string, letter: string): string | undefined {
  if (!/^-[^-]/.test(arg)) return arg;
  let kept = '';
  for (let i = 1; i < arg.length; i++) {
    const option = arg[i] as string;
    if (TAKES_VALUE.has(option)) {
      // The letter taken out with its value; else the value is kept whole.
      if (option !== letter) kept += arg.slice(i);
      break;
    }
    if (option !== letter) kept += option;
  }
  return kept === '' ? undefined : `-${kept}`;
}

/** Whether `arg` sets the short option `letter`, alone (`-w`) or with others (`-kw`). */
export function setsShort(arg: string, letter: string): boolean {
  return withoutShort(arg, letter) !== arg;
}
