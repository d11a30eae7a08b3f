// A run's guard against the process ending under it. A stage's code run
// inline (on the runner's own thread) that calls process.exit() ends the
// runner mid-run, with the exit code it chose (0: a CI job would read
// success), no summary and no run record. While a run goes, such an exit
// says so on stderr and exits 1 (or the code given, when not 0).
import fs from 'node:fs';

let isOwnExit = false;

/** The runner ends the process itself mid-run (a second Ctrl-C, a closed pipe): no guard speaks. */
export function exitNow(code: number): never {
  isOwnExit = true;
  process.exit(code);
}

/** Guards the process until the function returned is called. */
export function guardExit(): () => void {
  const onExit = (code: number): void => {
    if (isOwnExit) return;
    try {
      fs.writeSync(
        2,
        `runner: the process was made to exit (code ${code}) while the run was going: stage code calling process.exit()? (isolate: inline runs a stage's code on the runner's own thread); the run did not finish\n`,
      );
    } catch {
      // stderr closed: the exit code still says it
    }
    if (code === 0) process.exitCode = 1;
  };
  process.on('exit', onExit);
  return () => process.off('exit', onExit);
}
