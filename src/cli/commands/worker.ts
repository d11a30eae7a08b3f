// `runner worker --queue redis://...`: computes the map batches that runs
// started with --workers put on the queue, with this checkout's code, until
// SIGINT or SIGTERM; then it takes no more and finishes the ones it holds.
import os from 'node:os';
import path from 'node:path';
import { jobOwner, parseWorkersAddress } from '../../engine/map/remote-protocol.js';
import { RemoteWorker } from '../../engine/map/remote-worker.js';
import type { RemoteWorkerOptions, WorkerBatch } from '../../engine/map/remote-worker.js';
import { formatMs } from '../../report/format.js';
import { messageOf } from '../../util/errors.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError } from '../io.js';
import { configFile } from '../load.js';
import type { GlobalOptions } from '../load.js';

export interface WorkerFlags {
  queue: string;
  concurrency?: string;
  quiet?: boolean;
}

/** The same problem (Redis away, retrying) is said once a minute, not at every retry. */
const REPEAT_PROBLEM_MS = 60_000;

export async function workerCommand(io: CliIo, global: GlobalOptions, flags: WorkerFlags): Promise<number> {
  const address = parseWorkersAddress(flags.queue);
  if ('problem' in address) throw new UsageError(`--queue ${address.problem}`);
  const concurrency = flags.concurrency === undefined ? os.availableParallelism() : Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError(`--concurrency ${flags.concurrency}: expected an integer >= 1`);
  const root = path.dirname(configFile(io, global));
  const worker = new RemoteWorker({ address, root, concurrency, ...reporters(io, flags.quiet === true) });
  const stopped = new Promise<'stopped'>((resolve) => {
    if (io.signal?.aborted) resolve('stopped');
    io.signal?.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  const started = worker.start().then(
    () => 'started' as const,
    (error: unknown) => {
      // Stopped while connecting: that is why it failed.
      if (!io.signal?.aborted) io.stderr(`runner worker: ${address.shown}: ${messageOf(error)}\n`);
      return 'failed' as const;
    },
  );
  const outcome = await Promise.race([started, stopped]);
  if (outcome === 'failed') {
    await worker.stop();
    return EXIT.failed;
  }
  if (outcome === 'started') {
    io.stdout(
      `runner worker ${worker.id}: computing map batches of ${root} ` +
        `from ${address.shown} (queue ${address.queue}), ${concurrency} at a time\n`,
    );
    await stopped;
  }
  const running = worker.running;
  const finishing =
    running === 0
      ? ''
      : `: finishing the ${running} batch${running === 1 ? '' : 'es'} it holds (press Ctrl-C again to quit at once; ` +
        'they then go back to the queue when their lock runs out)';
  io.stderr(`runner worker: stopping${finishing}\n`);
  await worker.stop();
  return EXIT.ok;
}

/** Lines per batch (stdout; the ones not done on stderr), and problems at most once a minute each. */
function reporters(io: CliIo, isQuiet: boolean): Pick<RemoteWorkerOptions, 'onBatch' | 'onProblem'> {
  const said = new Map<string, number>();
  return {
    onBatch: (batch) => {
      if (batch.outcome !== 'done') io.stderr(`${batchLine(batch)}\n`);
      else if (!isQuiet) io.stdout(`${batchLine(batch)}\n`);
    },
    onProblem: (message) => {
      if (Date.now() - (said.get(message) ?? 0) < REPEAT_PROBLEM_MS) return;
      said.set(message, Date.now());
      io.stderr(`runner worker: ${message}\n`);
    },
  };
}

/** `p/shape 0+500 (run 20261130T100000000Z-a1b2): 500 items in 1.23s`, and how it ended when not done. */
function batchLine(batch: WorkerBatch): string {
  const { runId } = jobOwner(batch.batch);
  const range = batch.batch.split('/').slice(3).join('/');
  const head = `${batch.stage} ${range} (run ${runId}): ${batch.items} items`;
  switch (batch.outcome) {
    case 'done':
      return `${head} in ${formatMs(batch.ms)}`;
    case 'cancelled':
      return `${head}: cancelled by its run after ${formatMs(batch.ms)}`;
    case 'refused':
    case 'failed':
      return `${head}: ${batch.outcome}: ${batch.message ?? ''}`;
    default:
      return head;
  }
}
