// A run's guards against stage code run inline (on the runner's own
// thread) ending the process under it. process.exit() ended the runner
// mid-run, with the exit code it chose (0: a CI job would read success), no
// summary and no run record: while a run goes, process.exit throws instead
// (StageExit), so the stage or item that called it fails, saying so, and the
// run goes on and is recorded. A promise rejected with nothing to handle it
// (an `await` missing), or an exception thrown where nothing catches it (a
// timer's callback, an event handler, process.exit called there), made
// Node end the process with its raw trace: while a run goes, each is told
// to the run instead, which warns and ends failed: the stages running then
// fail, those finished before are recorded. What still ends the process
// (process.reallyExit, process.abort) is said on stderr, and never exits 0.
import fs from 'node:fs';

let isOwnExit = false;
const exit = process.exit.bind(process);

/** The runner ends the process itself mid-run (a second Ctrl-C, a closed pipe): no guard speaks. */
export function exitNow(code: number): never {
  isOwnExit = true;
  return exit(code);
}

/** What process.exit() throws while a run goes. */
export class StageExit extends Error {
  constructor(code: unknown) {
    super(
      `process.exit(${code === undefined ? '' : String(code)}) was called: stage code ends by returning or throwing, ` +
        'not by ending the runner (isolate: inline runs it on the runner’s own thread)',
    );
    this.name = 'StageExit';
  }
}

/** Guards the process until the function returned is called. */
export function guardExit(): () => void {
  const onExit = (code: number): void => {
    if (isOwnExit) return;
    try {
      fs.writeSync(
        2,
        `runner: the process was made to exit (code ${code}) while the run was going: stage code ending it? (isolate: inline runs a stage's code on the runner's own thread); the run did not finish\n`,
      );
    } catch {
      // stderr closed: the exit code still says it
    }
    if (code === 0) process.exitCode = 1;
  };
  process.on('exit', onExit);
  process.exit = ((code?: unknown): never => {
    throw new StageExit(code);
  }) as typeof process.exit;
  return () => {
    process.off('exit', onExit);
    process.exit = exit;
  };
}

/**
 * Tells `onStray` of each promise rejected with no handler and each
 * exception nothing caught, until the function returned is called.
 */
export function guardStrays(onStray: (reason: unknown, kind: 'rejection' | 'exception') => void): () => void {
  const onRejection = (reason: unknown): void => onStray(reason, 'rejection');
  const onException = (error: unknown): void => onStray(error, 'exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
