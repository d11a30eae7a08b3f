// A run's pool on other machines (`--workers redis://...`): each batch a
// local pool would compute becomes a BullMQ job that a `runner worker`
// (remote-worker.ts) computes with its own checkout; the answer comes back
// as the job's return value. The item cache, journal and dataset stay here:
// only computing moves.
//
// Every item is counted once: a job's id is its (run, stage, item range,
// attempt), added once; its answer is taken once, from the one event (or
// state) that says it completed, and only the worker that held the job's
// lock could complete it. A worker that dies holding a job loses the lock,
// and BullMQ's stalled check hands the job to another worker (remote-protocol.ts).
import { messageOf } from '../../util/errors.js';
import { RUNNER_VERSION } from '../../version.js';
import type { Emit } from '../events.js';
import { fromWire, resultProblem, textOf } from './batch-wire.js';
import { StageFatalError } from './pool.js';
import type { BatchPool, BatchRequest, ItemResult } from './pool.js';
import { CONNECT_MS, openLink } from './remote-link.js';
import type { Link } from './remote-link.js';
import {
  BATCH_WIRE,
  batchJobId,
  cancelChannel,
  cancelKey,
  isRefusal,
  STALL,
  type RemoteAnswer,
  type RemoteBatch,
  type WorkersAddress,
} from './remote-protocol.js';

export interface RemotePoolOptions {
  address: WorkersAddress;
  runId: string;
  isolate: 'worker' | 'process';
  emit: Emit;
  /** codeFingerprint of a stage module in the run's workspace. */
  codeOf(module: string): string;
}

interface Waiter {
  request: BatchRequest;
  /** When it was queued, or last looked up in Redis for an answer whose event went missing. */
  checkedAt: number;
  settle(outcome: { answer: RemoteAnswer } | { reason: string }): void;
}

/** How often a run checks on its jobs: are workers connected, did an answer's event go missing. */
const TICK_MS = 5000;
/**
 * A batch's answer comes with its completed event. An event can go missing
 * (the run fell further behind than the stream keeps, or lost its
 * connection for longer): a batch waiting this long is looked up in Redis.
 */
const LOOK_UP_AFTER_MS = 30_000;
const NOTICE_EVERY_MS = 60_000;
/** A job outlives its run by this much at most, if the run could not remove it. */
const KEEP_JOB_S = 24 * 3600;

export class RemotePool implements BatchPool {
  readonly #options: RemotePoolOptions;
  #link: Promise<Link> | undefined;
  readonly #waiting = new Map<string, Waiter>();
  readonly #attempts = new Map<string, number>();
  readonly #refused = new Map<string, StageFatalError>();
  readonly #codes = new Map<string, string>();
  /** Removals and cancellations still going: close() waits for them. */
  readonly #chores = new Set<Promise<unknown>>();
  #tick: NodeJS.Timeout | undefined;
  #noticeAt = 0;
  #isListening = false;

  constructor(options: RemotePoolOptions) {
    this.#options = options;
  }

  /** Connects ahead of the first batch. */
  warm(): void {
    this.#connect().catch(() => {});
  }

  async run(request: BatchRequest): Promise<ItemResult[]> {
    const { pipeline, stage } = request.context;
    const stageId = `${pipeline}/${stage}`;
    const refused = this.#refused.get(stageId);
    if (refused) throw refused;
    request.signal.throwIfAborted();
    const link = await this.#connect();
    const range = `${stageId}/${request.indexes[0]}+${request.indexes.length}`;
    const attempt = (this.#attempts.get(range) ?? 0) + 1;
    this.#attempts.set(range, attempt);
    const id = batchJobId(this.#options.runId, stageId, request.indexes, attempt);
    const queuedAt = Date.now();
    const answer = await this.#submit(link, id, request);
    const problem = answerProblem(answer.results, request.indexes.length);
    if (problem) throw new Error(`worker ${answer.worker} answered batch ${id} with a malformed result (${problem})`);
    for (const line of answer.logs) request.onLog(line);
    this.#options.emit({
      event: 'stage:batch',
      pipeline,
      stage,
      batch: id,
      items: request.indexes.length,
      worker: answer.worker,
      computeMs: answer.computeMs,
      roundTripMs: Date.now() - queuedAt,
      starts: answer.starts,
    });
    return fromWire(answer.results);
  }

  #submit(link: Link, id: string, request: BatchRequest): Promise<RemoteAnswer> {
    return new Promise<RemoteAnswer>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiting.delete(id);
        if (this.#waiting.size === 0) this.#stopTicking();
        // Once the job is in Redis (or failed to get there): a job added after its removal would stay.
        this.#chore(added.then(() => this.#cancel(link, id)));
        reject(request.signal.reason instanceof Error ? request.signal.reason : new Error('cancelled'));
      };
      const added = this.#add(link, id, request);
      request.signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.set(id, {
        request,
        checkedAt: Date.now(),
        settle: (outcome) => {
          request.signal.removeEventListener('abort', onAbort);
          if ('answer' in outcome) resolve(outcome.answer);
          else reject(this.#failure(id, request, outcome.reason));
        },
      });
      this.#startTicking();
      // Aborted while it connected: the listener came too late to hear it.
      if (request.signal.aborted) onAbort();
    });
  }

  /** Adds job `id` to the queue (a no-op while one of that id is there); a failure settles its waiter. */
  #add(link: Link, id: string, request: BatchRequest): Promise<void> {
    return link.queue
      .add('batch', this.#batchOf(request), {
        jobId: id,
        attempts: 1,
        removeOnComplete: { age: KEEP_JOB_S },
        removeOnFail: { age: KEEP_JOB_S },
      })
      .then(
        () => {},
        (error: unknown) => {
          this.#settle(id, { reason: `could not queue it on ${this.#options.address.shown}: ${messageOf(error)}` });
        },
      );
  }

  #batchOf(request: BatchRequest): RemoteBatch {
    const { root: _root, stateDir: _stateDir, tmp: _tmp, ...context } = request.context;
    return {
      runId: this.#options.runId,
      runner: RUNNER_VERSION,
      wire: BATCH_WIRE,
      code: this.#codeOf(request.module),
      isolate: this.#options.isolate,
      module: request.module,
      exportName: request.exportName,
      items: textOf(request.items),
      indexes: request.indexes,
      context,
    };
  }

  /** A module's code fingerprint, hashed once a run (its key was made of the same). */
  #codeOf(module: string): string {
    let code = this.#codes.get(module);
    if (code === undefined) {
      code = this.#options.codeOf(module);
      this.#codes.set(module, code);
    }
    return code;
  }

  #failure(id: string, request: BatchRequest, reason: string): Error {
    const stageId = `${request.context.pipeline}/${request.context.stage}`;
    if (isRefusal(reason)) {
      const refusal = new StageFatalError(reason);
      this.#refused.set(stageId, refusal);
      return refusal;
    }
    if (/stalled more than allowable limit/.test(reason))
      return new Error(
        `batch ${id} was lost ${STALL.maxStalledCount + 1} times: ` +
          'each worker holding it stopped (killed, or out of memory?)',
      );
    return new Error(reason);
  }

  /** The one answer taken for job `id` (later ones find no waiter); the job then leaves Redis. */
  #settle(id: string, outcome: { answer: RemoteAnswer } | { reason: string }): void {
    const waiter = this.#waiting.get(id);
    if (!waiter) return;
    this.#waiting.delete(id);
    if (this.#waiting.size === 0) this.#stopTicking();
    const link = this.#link;
    if (link) this.#chore(link.then((l) => l.queue.remove(id)));
    waiter.settle(outcome);
  }

  /** A job the run gave up: removed while it waits; else marked, and its worker told, to stop and remove it. */
  async #cancel(link: Link, id: string): Promise<void> {
    if ((await link.queue.remove(id)) === 1) return;
    await link.redis.set(cancelKey(this.#options.address.queue, id), '1', 'EX', KEEP_JOB_S);
    await link.redis.publish(cancelChannel(this.#options.address.queue), id);
  }

  #chore(work: Promise<unknown>): void {
    const chore = work.catch(() => {});
    this.#chores.add(chore);
    void chore.finally(() => this.#chores.delete(chore));
  }

  #connect(): Promise<Link> {
    this.#link ??= openLink(this.#options.address, (message) =>
      this.#options.emit({ event: 'warning', message }),
    ).catch((error: unknown) => {
      throw new StageFatalError(
        `cannot reach the workers' queue at ${this.#options.address.shown}: ${messageOf(error)}; ` +
          'start Redis there, or run without --workers',
      );
    });
    return this.#link.then((link) => {
      this.#listen(link);
      return link;
    });
  }

  #listen(link: Link): void {
    if (this.#isListening) return;
    this.#isListening = true;
    link.events.on('completed', ({ jobId, returnvalue }) => {
      this.#settle(jobId, { answer: returnvalue as unknown as RemoteAnswer });
    });
    link.events.on('failed', ({ jobId, failedReason }) => this.#settle(jobId, { reason: failedReason }));
    // Connected again after losing Redis: a Redis restarted without its data
    // lost the jobs, and their answers would never come. Each waiting batch is
    // looked up now, not LOOK_UP_AFTER_MS later. (The first 'ready' came before this listener.)
    link.redis.on('ready', () => void this.#lookUp(link, { isDue: () => true }));
  }

  /** A warning for the stage of `request` (default: the first batch waiting). */
  #notice(message: string, request = this.#waiting.values().next().value?.request): void {
    this.#options.emit({
      event: 'warning',
      pipeline: request?.context.pipeline,
      stage: request?.context.stage,
      message,
    });
  }

  #startTicking(): void {
    this.#tick ??= setInterval(() => void this.#check(), TICK_MS);
  }

  #stopTicking(): void {
    clearInterval(this.#tick);
    this.#tick = undefined;
  }

  /**
   * Says so when no worker is there to take the jobs, or Redis does not
   * answer (once a minute: a run waiting on a Redis gone for good would
   * otherwise look like one whose workers are busy); takes answers whose
   * event went missing.
   */
  async #check(): Promise<void> {
    const link = await this.#link;
    if (!link || this.#waiting.size === 0) return;
    const now = Date.now();
    const { address } = this.#options;
    try {
      if (now >= this.#noticeAt && (await link.queue.getWorkersCount()) === 0) {
        this.#noticeAt = now + NOTICE_EVERY_MS;
        this.#notice(
          `waiting for workers on ${address.shown} (queue ${address.queue}): 0 connected; ` +
            `start one where this commit is checked out: runner worker --queue ${address.shown}`,
        );
      }
    } catch (error) {
      // The next tick asks again; BullMQ reconnects meanwhile.
      if (now >= this.#noticeAt) {
        this.#noticeAt = now + NOTICE_EVERY_MS;
        const batches = this.#waiting.size === 1 ? '1 batch waits' : `${this.#waiting.size} batches wait`;
        this.#notice(
          `the workers' queue at ${address.shown} does not answer (${messageOf(error)}): ${batches} ` +
            'for it; the run goes on when it answers (Ctrl-C stops it)',
        );
      }
    }
    await this.#lookUp(link, { isDue: (waiter) => now - waiter.checkedAt >= LOOK_UP_AFTER_MS });
  }

  /**
   * Looks up the jobs of the waiting batches that are due: takes the answer
   * of one that finished unheard, and queues again one that Redis no longer
   * has (restarted without its data, or flushed). Adding it again is safe:
   * a worker still computing the lost job holds no lock on the new one, so
   * its answer is refused, and the new job is computed and answered once.
   */
  async #lookUp(link: Link, options: { isDue(waiter: Waiter): boolean }): Promise<void> {
    const now = Date.now();
    const lost: string[] = [];
    try {
      for (const [id, waiter] of this.#waiting) {
        if (!options.isDue(waiter)) continue;
        waiter.checkedAt = now;
        const state = await link.queue.getJobState(id);
        if (state === 'unknown' && this.#waiting.has(id)) {
          lost.push(id);
          this.#chore(this.#add(link, id, waiter.request));
        }
        if (state !== 'completed' && state !== 'failed') continue;
        const job = await link.queue.getJob(id);
        if (job?.failedReason) this.#settle(id, { reason: job.failedReason });
        else if (job) this.#settle(id, { answer: job.returnvalue as RemoteAnswer });
      }
    } catch {
      // Redis is not answering: the next tick asks again; BullMQ reconnects meanwhile.
    }
    if (lost.length === 0) return;
    const { shown } = this.#options.address;
    const [first = ''] = lost;
    const which = lost.length === 1 ? `batch ${first}` : `${lost.length} batches (${first}, ...)`;
    this.#notice(
      `the workers' queue at ${shown} no longer had ${which} (Redis restarted without its data, or flushed?): queued again`,
      this.#waiting.get(first)?.request,
    );
  }

  async close(): Promise<void> {
    this.#stopTicking();
    const link = await this.#link?.catch(() => undefined);
    if (!link) return;
    for (const id of this.#waiting.keys()) this.#chore(this.#cancel(link, id));
    // Redis may be gone: the run ends regardless, after CONNECT_MS at most for each.
    await atMost(CONNECT_MS, Promise.all(this.#chores));
    await atMost(CONNECT_MS, Promise.allSettled([link.events.close(), link.queue.close()]));
    link.redis.disconnect();
  }
}

/** Waits for `work`, or `ms`, whichever is first. */
async function atMost(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** What is wrong with a remote answer's results for `count` items, if anything (see resultProblem). */
function answerProblem(results: unknown, count: number): string | undefined {
  if (!Array.isArray(results)) return 'no results';
  if (results.length !== count) return `${results.length} results for ${count} items`;
  for (const [n, result] of results.entries()) {
    const problem = resultProblem(result);
    if (problem) return `item ${n + 1}: ${problem}`;
  }
  return undefined;
}
