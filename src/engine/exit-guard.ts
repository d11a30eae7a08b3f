// A run's guards against stage code run inline (on the runner's own
// thread) ending the process under it. process.exit() ends the runner
// mid-run, with the exit code it chose (0: a CI job would read success), no
// summary and no run record: while a run goes, such an exit says so on
// stderr and exits 1 (or the code given, when not 0). A promise rejected
// with nothing to handle it (an `await` missing) made Node end the process
// the same way, with its raw trace: while a run goes, it is told to the run
// instead, which warns and ends failed: the stages running then fail, those
// finished before are recorded.
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

/** Tells `onRejection` of each promise rejected with no handler, until the function returned is called. */
export function guardRejections(onRejection: (reason: unknown) => void): () => void {
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}
