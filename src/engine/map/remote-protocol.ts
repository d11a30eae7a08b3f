// What a run and its remote workers (`runner worker`) say to each other
// through a BullMQ queue in Redis: where the queue is, a batch job's data
// and id, its answer, and the refusal a worker gives a batch of other code.
// Both sides import this module and nothing else of each other.
import os from 'node:os';
import type { WireResult } from './batch-wire.js';
import type { BatchContext } from './pool.js';

/** `redis://host:port[/db][?queue=name]`, parsed. */
export interface WorkersAddress {
  /** The Redis URL without the queue parameter: what the client connects to. */
  redisUrl: string;
  queue: string;
  /** The address as given, without a password: for messages. */
  shown: string;
}

export const DEFAULT_QUEUE = 'runner';
/** BullMQ's own key prefix, so the usual BullMQ tools find the queue. */
export const KEY_PREFIX = 'bull';

/** Parses a --workers / --queue / `workers:` value; a problem names what was expected. */
export function parseWorkersAddress(text: string): WorkersAddress | { problem: string } {
  const expected = 'expected redis://host:port (or rediss://), optionally /db and ?queue=name';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: `${text}: ${expected}` };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return { problem: `${text}: ${expected}` };
  const queue = url.searchParams.get('queue') ?? DEFAULT_QUEUE;
  if (queue === '' || queue.includes(':'))
    return { problem: `${text}: the queue name must be non-empty and without ':' (got "${queue}")` };
  url.searchParams.delete('queue');
  const redisUrl = url.toString();
  if (url.password !== '') url.password = '***';
  return { redisUrl, queue, shown: `${url.toString()}${queue === DEFAULT_QUEUE ? '' : `?queue=${queue}`}` };
}

/**
 * How a batch and its answer are laid out (batch-wire.ts): raised whenever
 * that changes, so that a worker on a build of the same version but another
 * layout refuses a batch in words instead of failing on a missing field.
 * Batches before the field was added are layout 1.
 */
export const BATCH_WIRE = 2;

/** A batch as a job's data: the request of a local pool, minus what is the worker's own (its checkout's paths). */
export interface RemoteBatch {
  runId: string;
  /** The runner version of the run; a worker of another version refuses the batch. */
  runner: string;
  /** The run's BATCH_WIRE (absent: 1); a worker of another refuses the batch. */
  wire?: number;
  /** codeFingerprint of the stage module in the run's workspace. */
  code: string;
  isolate: 'worker' | 'process';
  module: string;
  exportName: string;
  /** The items' JSON texts, each ending in a newline. */
  items: string;
  indexes: number[];
  context: Omit<BatchContext, 'root' | 'stateDir' | 'tmp'>;
}

/** A job's return value. */
export interface RemoteAnswer {
  /** As JSON carries them (toWire): each checked (resultProblem) before fromWire makes them results. */
  results: WireResult[];
  /** The batch's ctx.log lines (the first MAX_LOG_LINES), replayed by the run. */
  logs: string[];
  /** hostname:pid of the worker that computed it. */
  worker: string;
  computeMs: number;
  /** How many times a worker started the job: more than 1 after a worker died holding it. */
  starts: number;
}

export const MAX_LOG_LINES = 200;

/**
 * Stalled-job recovery: a worker renews its lock on a job every half
 * lockDuration; a job whose lock has run out (its worker died) goes back to
 * the queue at the next stalled check of any worker, at most
 * maxStalledCount times, then fails. A batch's results are accepted only
 * from the worker holding its lock, so a batch is redone, never counted twice.
 */
export const STALL = { lockDurationMs: 5000, stalledIntervalMs: 2500, maxStalledCount: 2 } as const;

/**
 * One job per (run, stage, item range, attempt): adding it again is a no-op
 * (BullMQ keeps the first job of an id), and the run takes exactly one answer
 * for it. BullMQ ids may not contain ':'.
 */
export function batchJobId(runId: string, stageId: string, indexes: readonly number[], attempt: number): string {
  const range = `${indexes[0] ?? 0}+${indexes.length}`;
  return `${runId}/${stageId}/${range}${attempt > 1 ? `/${attempt}` : ''}`;
}

/** The run id and `pipeline/stage` a job id names. */
export function jobOwner(jobId: string): { runId: string; stageId: string } {
  const [runId = '', pipeline = '', stage = ''] = jobId.split('/');
  return { runId, stageId: `${pipeline}/${stage}` };
}

/** Set (with a pub/sub message on cancelChannel) when a run gives up a job a worker may hold. */
export function cancelKey(queue: string, jobId: string): string {
  return `${KEY_PREFIX}:${queue}:runner-cancel:${jobId}`;
}

export function cancelChannel(queue: string): string {
  return `${KEY_PREFIX}:${queue}:runner-cancel`;
}

export const CANCELLED = 'cancelled by its run';

export function workerId(): string {
  return `${os.hostname()}:${process.pid}`;
}

const REFUSAL = /^worker on host .+: (stage \S+ (code|input .+)|runner \S+) differs from the run's/;

/** Why this worker must not compute `batch`, or undefined. */
export function refusalOf(
  batch: Pick<RemoteBatch, 'runner' | 'wire' | 'code' | 'context'>,
  own: { runner: string; code: string; hashOf?: (file: string) => string | undefined },
): string | undefined {
  const host = `worker on host ${os.hostname()} (pid ${process.pid})`;
  const wire = batch.wire ?? 1;
  if (batch.runner !== own.runner || wire !== BATCH_WIRE) {
    // One version, two layouts: builds of the same version from different commits.
    const [mine, theirs] =
      batch.runner === own.runner
        ? [`${own.runner}+wire.${BATCH_WIRE}`, `${batch.runner}+wire.${wire}`]
        : [own.runner, batch.runner];
    return (
      `${host}: runner ${mine} differs from the run's ${theirs}; ` +
      "install the run's version there and restart the worker"
    );
  }
  const stage = `${batch.context.pipeline}/${batch.context.stage}`;
  if (batch.code === own.code) {
    // The stage's code reads its declared inputs from this checkout: they must be the run's.
    for (const [file, hash] of batch.context.inputs ?? []) {
      const mine = own.hashOf?.(file) ?? 'missing';
      if (mine === hash) continue;
      return (
        `${host}: stage ${stage} input ${file} differs from the run's — ${mine.slice(0, 12)} vs ${hash.slice(0, 12)} (worker vs run); ` +
        "check out the run's commit there (a worker sees no uncommitted edit) and restart the worker"
      );
    }
    return undefined;
  }
  const hashes = `${own.code.slice(0, 12)} vs ${batch.code.slice(0, 12)} (worker vs run)`;
  return (
    `${host}: stage ${stage} code differs from the run's (checkout at another commit?) — ${hashes}; ` +
    "check out the run's commit there and restart the worker"
  );
}

/** A failed job's reason is a refusal: no other attempt of the stage's batches can do better. */
export function isRefusal(reason: string): boolean {
  return REFUSAL.test(reason);
}
