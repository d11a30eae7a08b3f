// The process entry: wires argv, env, stdio and signals to main().
import { main } from './cli/main.js';

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  process.stderr.write(`\nrunner: ${signal}: cancelling (press Ctrl-C again to quit at once)\n`);
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// A closed pipe (`runner list | head`) ends output quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);

main({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  env: process.env,
  stdout: write(process.stdout),
  stderr: write(process.stderr),
  isTty: process.stderr.isTTY === true,
  signal: controller.signal,
}).then(
  (code) => {
    // The command is done (its output written: stdout and stderr are synchronous on Linux). Exit now:
    // a timer or socket that stage code left open would otherwise keep a finished run alive.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`runner: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
