// The process entry: wires argv, env, stdio and signals to main().
import { cancellingLine, EXIT, exitAfter, quietOnClosedPipe } from './cli/io.js';
import { main } from './cli/main.js';
import { exitNow } from './engine/exit-guard.js';

const controller = new AbortController();
let interrupts = 0;
/** The last SIGINT or SIGTERM: an interrupted command exits 128 plus its number (exitAfter). */
let lastSignal: NodeJS.Signals | undefined;
const onSignal = (signal: NodeJS.Signals): void => {
  interrupts++;
  lastSignal = signal;
  if (interrupts > 1) exitNow(exitAfter(EXIT.interrupted, signal));
  process.stderr.write(cancellingLine(signal));
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

for (const stream of [process.stdout, process.stderr]) stream.on('error', quietOnClosedPipe);
const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);

/**
 * Resolves once everything written to `stream` has left the process. A
 * pipe to a reader slower than the run (`runner exec --json | consumer`)
 * takes what the kernel holds and the rest waits in the stream; exiting
 * then would cut the output short, mid-line.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  });
}

main({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  env: process.env,
  stdout: write(process.stdout),
  stderr: write(process.stderr),
  isTty: process.stderr.isTTY === true,
  signal: controller.signal,
}).then(
  async (code) => {
    // The command is done. Exit once its output is out, not before: a timer or socket that stage
    // code left open would otherwise keep a finished run alive.
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(exitAfter(code, lastSignal));
  },
  (error: unknown) => {
    process.stderr.write(`runner: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
