// The far side of --workers: takes batch jobs from a BullMQ queue and
// computes each in this machine's WorkerPool, the very pool (and far side,
// worker-entry.ts) a local run uses, with this checkout's code. The pool's
// threads keep CPU-bound items off this thread, which only talks to Redis:
// so the job locks are renewed on time however long a batch computes, and
// --concurrency batches use that many cores.
//
// Before computing, the worker compares the batch's code fingerprint and
// runner version with its own and refuses a batch of other code, failing
// the job for good (remote-protocol.ts says how the run tells a refusal).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { codeFingerprint } from '../../cache/code-hash.js';
import { StatCache } from '../../cache/stat-cache.js';
import { sweepPidNamed } from '../../cache/temp-sweep.js';
import { messageOf } from '../../util/errors.js';
import { requirePackage } from '../../util/require.js';
import { RUNNER_VERSION } from '../../version.js';
import { WorkerPool } from './pool.js';
import type { ItemResult } from './pool.js';
import { ownedUtf8, toWire } from './batch-wire.js';
import {
  CANCELLED,
  cancelChannel,
  cancelKey,
  KEY_PREFIX,
  MAX_LOG_LINES,
  refusalOf,
  STALL,
  workerId,
  type RemoteAnswer,
  type RemoteBatch,
  type WorkersAddress,
} from './remote-protocol.js';

/** The prefix of a worker's temp directory in the system's: `runner-worker-<pid>-<random>`. */
const WORKER_TEMP = 'runner-worker-';

export interface RemoteWorkerOptions {
  address: WorkersAddress;
  /** The checkout (workspace root) whose code computes the batches. */
  root: string;
  /** Batches at once, each in a thread (or process) of its own. */
  concurrency: number;
  /** Told each batch this worker finished, refused or gave up. */
  onBatch(batch: WorkerBatch): void;
  /** Told what went wrong outside a batch (Redis), in words. */
  onProblem(message: string): void;
}

export interface WorkerBatch {
  /** `pipeline/stage`. */
  stage: string;
  /** The job id. */
  batch: string;
  items: number;
  ms: number;
  outcome: 'done' | 'refused' | 'cancelled' | 'failed';
  message?: string;
}

export class RemoteWorker {
  readonly id = workerId();
  readonly #options: RemoteWorkerOptions;
  /** Commands, and (a duplicate) the cancel messages. */
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  #worker: Worker<RemoteBatch, RemoteAnswer> | undefined;
  readonly #pools = new Map<'worker' | 'process', WorkerPool>();
  readonly #stats: StatCache;
  /** Each module's fingerprint when this worker first computed it: the code its threads then loaded. */
  readonly #codes = new Map<string, string>();
  readonly #tmp: string;
  #running = 0;

  /** Connects on start(). */
  constructor(options: RemoteWorkerOptions) {
    this.#options = options;
    const { Redis } = requirePackage('ioredis') as typeof import('ioredis');
    this.#redis = new Redis(options.address.redisUrl, { maxRetriesPerRequest: null });
    this.#redis.on('error', (error) => options.onProblem(`${options.address.shown}: ${messageOf(error)} (retrying)`));
    this.#subscriber = this.#redis.duplicate();
    this.#subscriber.on('error', () => {});
    this.#stats = new StatCache({ root: options.root });
    // Named after this process, so that a later worker removes it if this one is killed.
    sweepPidNamed(os.tmpdir(), WORKER_TEMP);
    this.#tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${WORKER_TEMP}${process.pid}-`));
  }

  /** Resolves once it takes batches; waits, retrying, while Redis cannot be reached. */
  async start(): Promise<void> {
    const { address, concurrency } = this.#options;
    // Listening before taking any job: a cancel sent while a job runs here is never missed.
    await this.#subscriber.subscribe(cancelChannel(address.queue));
    this.#subscriber.on('message', (_channel: string, jobId: string) => this.#worker?.cancelJob(jobId, CANCELLED));
    const { Worker } = requirePackage('bullmq') as typeof import('bullmq');
    const worker = new Worker<RemoteBatch, RemoteAnswer>(
      address.queue,
      (job, _token, signal) => this.#process(job, signal),
      {
        connection: { url: address.redisUrl },
        prefix: KEY_PREFIX,
        name: this.id,
        concurrency,
        lockDuration: STALL.lockDurationMs,
        stalledInterval: STALL.stalledIntervalMs,
        maxStalledCount: STALL.maxStalledCount,
      },
    );
    worker.on('error', (error) => this.#options.onProblem(`${address.shown}: ${messageOf(error)}`));
    worker.on('failed', (job, error) => {
      if (job && error.message === CANCELLED) void job.remove().catch(() => {});
    });
    worker.on('completed', (job) => void this.#removeIfCancelled(job));
    this.#worker = worker;
    await worker.waitUntilReady();
  }

  /** Batches being computed now. */
  get running(): number {
    return this.#running;
  }

  async #process(job: Job<RemoteBatch, RemoteAnswer>, signal: AbortSignal | undefined): Promise<RemoteAnswer> {
    this.#running++;
    try {
      return await this.#answer(job, signal);
    } finally {
      this.#running--;
    }
  }

  async #answer(job: Job<RemoteBatch, RemoteAnswer>, signal: AbortSignal | undefined): Promise<RemoteAnswer> {
    const { UnrecoverableError } = requirePackage('bullmq') as typeof import('bullmq');
    const batch = job.data;
    const id = job.id ?? '';
    const report = this.#reporter(batch, id);
    if ((await this.#redis.exists(cancelKey(this.#options.address.queue, id))) === 1) {
      report('cancelled');
      throw new UnrecoverableError(CANCELLED);
    }
    const refusal = refusalOf(batch, {
      runner: RUNNER_VERSION,
      code: this.#codeOf(batch.module),
      hashOf: (file) => this.#stats.hash(file),
    });
    if (refusal !== undefined) {
      report('refused', refusal);
      throw new UnrecoverableError(refusal);
    }
    const logs: string[] = [];
    let results: ItemResult[];
    try {
      results = await this.#compute(batch, signal ?? new AbortController().signal, logs);
    } catch (error) {
      if (signal?.aborted) {
        report('cancelled');
        throw new UnrecoverableError(CANCELLED);
      }
      report('failed', messageOf(error));
      throw error;
    }
    const computeMs = report('done');
    return { results: toWire(results), logs, worker: this.id, computeMs, starts: job.attemptsStarted };
  }

  #compute(batch: RemoteBatch, signal: AbortSignal, logs: string[]): Promise<ItemResult[]> {
    const { root } = this.#options;
    const pool = this.#pool(batch.isolate);
    return pool.run({
      module: batch.module,
      exportName: batch.exportName,
      // In the pool's memory: its worker threads hand it back for the next batch.
      items: ownedUtf8(batch.items, (size) => pool.itemBytes(size)),
      indexes: batch.indexes,
      context: {
        ...batch.context,
        root,
        stateDir: path.join(root, '.runner'),
        tmp: this.#tmp,
        worker: `${os.hostname()} (pid ${process.pid})`,
      },
      signal,
      onLog: (line) => {
        if (logs.length < MAX_LOG_LINES) logs.push(line);
      },
    });
  }

  /** Tells onBatch how a batch ended; answers its milliseconds so far. */
  #reporter(batch: RemoteBatch, id: string): (outcome: WorkerBatch['outcome'], message?: string) => number {
    const startedAt = Date.now();
    const stage = `${batch.context.pipeline}/${batch.context.stage}`;
    return (outcome, message) => {
      const ms = Date.now() - startedAt;
      this.#options.onBatch({ stage, batch: id, items: batch.indexes.length, ms, outcome, message });
      return ms;
    };
  }

  #codeOf(module: string): string {
    let code = this.#codes.get(module);
    if (code === undefined) {
      code = codeFingerprint(this.#stats, module);
      this.#codes.set(module, code);
    }
    return code;
  }

  #pool(kind: 'worker' | 'process'): WorkerPool {
    let pool = this.#pools.get(kind);
    if (!pool) {
      pool = new WorkerPool({ size: this.#options.concurrency, kind });
      this.#pools.set(kind, pool);
    }
    return pool;
  }

  /** A batch that finished after its run gave it up: nobody will take its answer. */
  async #removeIfCancelled(job: Job<RemoteBatch, RemoteAnswer>): Promise<void> {
    try {
      if ((await this.#redis.exists(cancelKey(this.#options.address.queue, job.id ?? ''))) === 1) await job.remove();
    } catch {
      // Removed by its run meanwhile, or Redis is away: the job expires with its age.
    }
  }

  /** Takes no more batches, finishes the ones running, and closes (also while start() still waits). */
  async stop(): Promise<void> {
    await this.#worker?.close();
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#subscriber.disconnect();
    this.#redis.disconnect();
    fs.rmSync(this.#tmp, { recursive: true, force: true });
  }
}
