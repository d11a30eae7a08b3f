// One `runner exec`: selects stages, walks the DAG with the scheduler,
// decides each stage against the caches, runs what must run (at most `jobs`
// at once), records results, and reports everything as events.
import PQueue from 'p-queue';
import { foreachOf } from '../config/types.js';
import type { StagePlan } from '../config/types.js';
import type { StageRecord } from '../cache/state.js';
import type { Why } from '../cache/why.js';
import { decide } from './decide.js';
import type { Decision } from './decide.js';
import type { ExecuteResult } from './execute.js';
import { runJob, warmPool } from './job.js';
import { compileAhead } from './compile-ahead.js';
import type { JobResult } from './job.js';
import { computeKey } from './key.js';
import type { Keyed } from './key.js';
import { keepRecord, stageRecord, upstreamOf } from './record.js';
import { cancelCause, failureText, whyText } from './reasons.js';
import { noOutcomes, StageEnds } from './stage-ends.js';
import { Resources } from './resources.js';
import { reuse } from './reuse.js';
import { LOCAL_HOST } from './run-host.js';
import type { RunGrant, RunHost } from './run-host.js';
import { schedule } from './scheduler.js';
import { forcedStages, selectedStages } from './selection.js';
import type { RunOptions, RunSummary } from './run-options.js';
import { TimeSlices } from './time-slices.js';
import type { ScheduleNode, VisitResult } from './scheduler.js';
import { UsageSampler } from './usage.js';
import { StallWatch } from './stall.js';
import { maskingSecrets } from './secret-lines.js';
import { codeLocation, messageOf } from '../util/errors.js';
import { guardExit, guardStrays, StageExit } from './exit-guard.js';

export async function executeRun(options: RunOptions): Promise<RunSummary> {
  const stages = selectedStages(options);
  const grant = (options.host ?? LOCAL_HOST).grant(stages);
  // Handed back before any key: nothing was stat'ed, started or written.
  if (grant === 'none') return { status: 'handed-back', counts: noOutcomes(), durationMs: 0 };
  // Every stage runs where it is: what the run says need not wait for the rest of it.
  if (grant === 'all') options.onWhole?.();
  return new Run({ ...options, emit: maskingSecrets(options.emit, stages) }, stages, grant).execute();
}

/**
 * The scheduler walk and its events. A stage's phases are each a module:
 * key (key.ts), decide, then reuse (reuse.ts), or run (job.ts) and record
 * (record.ts); this class only sequences them and says what happened.
 */
class Run {
  readonly #options: RunOptions;
  readonly #started = Date.now();
  readonly #stages: StagePlan[];
  readonly #byId: Map<string, StagePlan>;
  readonly #forced: Set<string>;
  readonly #res: Resources;
  readonly #queue: PQueue;
  /** Records of the stages this run has finished (ran or reused). */
  readonly #results = new Map<string, StageRecord>();
  readonly #ends: StageEnds;
  readonly #sampler = new UsageSampler();
  #stall: StallWatch | undefined;
  // Deciding hashes inputs on this thread: in time slices, so the first stage can start early.
  readonly #deciding = new TimeSlices();
  readonly #host: RunHost;
  /** What this run may do where it runs (RunHost.grant). */
  readonly #grant: RunGrant;
  /** The compile of each stage's TypeScript that this run started ahead (compile-ahead.ts). */
  #compiles = new Map<string, Promise<void>>();
  #isHandedBack = false;
  /** Stages running now (between their job's start and end). */
  readonly #running = new Set<string>();
  /** Stages that were running when a promise was rejected with nothing to handle it: what it said. */
  readonly #strays = new Map<string, string>();

  constructor(options: RunOptions, stages: StagePlan[], grant: RunGrant) {
    this.#options = options;
    this.#host = options.host ?? LOCAL_HOST;
    this.#stages = stages;
    this.#grant = grant;
    this.#byId = new Map(this.#stages.map((s) => [s.id, s]));
    this.#forced = forcedStages(options, this.#stages);
    this.#res = new Resources({
      root: options.plan.root,
      storeUrl: options.storeUrl,
      shared: options.shared,
      emit: options.emit,
      isStateReadOnly: options.isNoCache,
      hashHelp: this.#host.hashHelp,
      // A run that may yet be handed back would drop a repair's warning: the command that runs it next repairs the store.
      isStoreRepairable: this.#grant === 'all',
      workers: options.workers && { address: options.workers, runId: options.runId },
      mayStatMany: this.#stages.some(
        (s) => s.definition.inputs.length > 0 || foreachOf(s.definition)?.kind === 'files',
      ),
    });
    this.#queue = new PQueue({ concurrency: Math.max(1, options.jobs) });
    this.#ends = new StageEnds(options.emit);
  }

  async execute(): Promise<RunSummary> {
    const options = this.#options;
    options.emit({
      event: 'run:start',
      runId: options.runId,
      pipelines: [...options.pipelines],
      stages: this.#stages.map((s) => ({ pipeline: s.pipeline, stage: s.name, needs: s.definition.needs })),
      jobs: options.jobs,
      dryRun: false,
      ...(this.#host.name === 'daemon' ? { daemon: true } : {}),
      ...(options.handedBack === undefined ? {} : { handedBack: options.handedBack }),
    });
    const nodes: ScheduleNode[] = this.#stages.map((s) => ({
      id: s.id,
      needs: s.definition.needs.map((n) => `${s.pipeline}/${n}`),
    }));
    let scheduled: { failed: string[]; isInterrupted: boolean };
    this.#stall = new StallWatch();
    const unguard = guardExit();
    let strays = 0;
    const unguardStrays = guardStrays((reason, kind) => {
      strays++;
      const at = codeLocation(reason, options.plan.root);
      const where = at ? ` (at ${at})` : '';
      const what =
        reason instanceof StageExit
          ? `${reason.message}, where nothing caught it${where}`
          : kind === 'rejection'
            ? `a promise was rejected with nothing to handle it (in stage code? an await missing?): ${messageOf(reason)}${where}`
            : `an exception nothing caught (in stage code? a timer's or an event's callback?): ${messageOf(reason)}${where}`;
      options.emit({ event: 'warning', message: `${what}; the run ends failed` });
      // The stages running then fail with it: a result kept would pass the next run with nothing changed.
      for (const id of this.#running) this.#strays.set(id, what);
    });
    if (this.#admits('run')) {
      const fromScratch = this.#stages.filter((s) => this.#isFromScratch(s));
      this.#compiles = compileAhead(fromScratch, options.plan.root);
    }
    try {
      scheduled = await schedule({
        nodes,
        visit: (id, signal) => this.#visit(id, signal),
        skip: (id, outcome, cause) => {
          const stage = this.#byId.get(id);
          const reason =
            outcome === 'blocked'
              ? `upstream failed: ${cause}`
              : cause === 'interrupted'
                ? 'interrupted'
                : `not started: ${cause}`;
          if (stage) this.#ends.end(stage, { outcome, reason, startedAt: Date.now() });
        },
        isKeepGoing: options.isKeepGoing,
        signal: options.signal,
      });
    } finally {
      unguard();
      unguardStrays();
      this.#stall.stop();
      this.#sampler.stop();
      await this.#res.close();
    }
    const durationMs = Date.now() - this.#started;
    if (this.#isHandedBack) return { status: 'handed-back', counts: this.#ends.counts, durationMs };
    const status = scheduled.isInterrupted
      ? 'cancelled'
      : scheduled.failed.length > 0 || this.#ends.counts.failed > 0 || strays > 0
        ? 'failed'
        : 'success';
    options.emit({
      event: 'run:end',
      runId: options.runId,
      status,
      durationMs,
      counts: this.#ends.counts,
      peakRssBytes: this.#sampler.peakRss,
      cpuUtilisation: this.#sampler.cpuUtilisation(durationMs),
      ...(this.#res.filesVouched > 0 ? { filesVouched: this.#res.filesVouched } : {}),
    });
    return { status, counts: this.#ends.counts, durationMs };
  }

  /** Whether a stage that decided `action` may go on where the run is (RunHost.grant). */
  #admits(action: 'cached' | 'restore' | 'run'): boolean {
    return this.#grant === 'all' || action === 'cached';
  }

  /** Nothing of the stage is recorded here, or it must run anyway: it will most likely compute every item. */
  #isFromScratch(stage: StagePlan): boolean {
    return this.#options.isNoCache || this.#forced.has(stage.id) || !this.#res.state.get(stage.id);
  }

  async #visit(id: string, signal: AbortSignal): Promise<VisitResult> {
    const stage = this.#byId.get(id);
    if (!stage) return 'failed';
    const startedAt = Date.now();
    try {
      return await this.#visitStage(stage, signal);
    } catch (error) {
      // A bug in the engine, or a fault outside any stage's work (a worker that
      // could not start, a record that could not be written): the stage still
      // ends, failed, saying what broke, unless it had already ended.
      if (this.#ends.hasEnded(stage)) return 'failed';
      const failure = { kind: 'error' as const, message: `internal error: ${messageOf(error)}` };
      this.#ends.end(stage, { outcome: 'failed', reason: failureText(failure), failure, startedAt });
      return 'failed';
    }
  }

  async #visitStage(stage: StagePlan, signal: AbortSignal): Promise<VisitResult> {
    const id = stage.id;
    const isForced = this.#forced.has(id);
    // A host that admits no run would hand this stage back: its workers would load for nothing.
    if (this.#admits('run') && this.#isFromScratch(stage)) await warmPool(stage, this.#res, this.#compiles.get(id));
    const upstream = upstreamOf(stage, this.#results, this.#res);
    await this.#deciding.enter();
    const startedAt = Date.now();
    const decision = await this.#decide(stage, upstream, isForced);
    if (decision.action === 'fail') {
      this.#ends.end(stage, {
        outcome: 'failed',
        reason: failureText(decision.failure),
        failure: decision.failure,
        startedAt,
      });
      return 'failed';
    }
    if (!this.#admits(decision.action)) {
      this.#isHandedBack = true;
      return 'failed';
    }
    // A stage that writes in the workspace: the daemon's events of its writes may come after a later key.
    if (decision.action === 'restore') this.#res.stats.endVouching();
    const announce = (): void =>
      this.#options.emit({
        event: 'stage:start',
        pipeline: stage.pipeline,
        stage: stage.name,
        key: decision.fingerprint,
      });
    if (decision.action === 'cached' || decision.action === 'restore') {
      announce();
      const reused = await reuse(this.#res, id, decision);
      if (!('problem' in reused)) {
        this.#results.set(id, reused.record);
        this.#ends.end(stage, {
          outcome: reused.outcome,
          reason: whyText(decision.why),
          why: decision.why,
          key: decision.fingerprint,
          startedAt,
          items: reused.items,
        });
        return 'ok';
      }
      this.#options.emit({
        event: 'warning',
        pipeline: stage.pipeline,
        stage: stage.name,
        message: `${reused.problem}; running the stage instead`,
      });
      // It runs because that output is not here: not "found in the cache" (an entry from a shared store).
      const why: Why =
        decision.why.reason === 'found-in-cache' ? { reason: 'output-missing', path: reused.path } : decision.why;
      return this.#run(stage, { ...decision, why }, { upstream, signal, isForced, onStart: () => {} });
    }
    return this.#run(stage, decision, {
      upstream,
      signal,
      isForced,
      onStart: decision.action === 'run' ? announce : () => {},
    });
  }

  /** Key (in this stage's time slice: computeKey never awaits) and decision; a throw is a failed decision. */
  async #decide(stage: StagePlan, upstream: ReadonlyMap<string, StageRecord>, isForced: boolean): Promise<Decision> {
    let keyed: ReturnType<typeof computeKey> | undefined;
    try {
      try {
        keyed = computeKey({ stage, upstream, res: this.#res, mayReadLater: this.#admits('run') });
      } finally {
        this.#deciding.leave();
      }
      return await decide({ stage, keyed, isForced, isNoCache: this.#options.isNoCache, res: this.#res });
    } catch (error) {
      if (keyed && 'later' in keyed) keyed.later?.end();
      return {
        action: 'fail',
        failure: { kind: 'error', message: `deciding whether to run: ${messageOf(error)}` },
      };
    }
  }

  async #run(
    stage: StagePlan,
    decision: Keyed & { why: Why },
    how: { upstream: ReadonlyMap<string, StageRecord>; signal: AbortSignal; isForced: boolean; onStart(): void },
  ): Promise<VisitResult> {
    const options = this.#options;
    this.#res.stats.endVouching();
    const job = await runJob({
      queue: this.#queue,
      stage,
      keyed: decision,
      upstream: how.upstream,
      res: this.#res,
      signal: how.signal,
      baseEnv: options.baseEnv,
      emit: options.emit,
      runMap: options.runMap,
      sampler: this.#sampler,
      isNoCache: options.isNoCache,
      isForced: how.isForced,
      // Running from when its job starts (not while it waits for a slot in the queue).
      onStart: () => {
        this.#running.add(stage.id);
        how.onStart();
      },
      stall: this.#stall,
    }).catch((error: unknown): JobResult => {
      // A bug in the engine, not in the stage's code: the stage still ends, failed, saying what broke.
      const failure = { kind: 'error' as const, message: `internal error: ${messageOf(error)}` };
      return { outcome: { ok: false as const, failure, isCancelled: false, attempts: 1 }, ranFrom: Date.now() };
    });
    this.#running.delete(stage.id);
    const { ranFrom, slotMs, peakRssBytes } = job;
    const stray = this.#strays.get(stage.id);
    const outcome: JobResult['outcome'] =
      stray !== undefined && job.outcome?.ok
        ? { ok: false, failure: { kind: 'error', message: stray }, isCancelled: false, attempts: job.outcome.attempts }
        : job.outcome;
    const key = decision.fingerprint;
    if (!outcome?.ok) {
      decision.later?.end();
      return this.#endUnfinished(stage, { key, outcome, ranFrom, slotMs, peakRssBytes, signal: how.signal });
    }
    const keyed = outcome.keyed ?? (decision.later ?? decision.unread)?.finish() ?? decision;
    const record = stageRecord(stage, keyed, outcome, ranFrom);
    this.#results.set(stage.id, record);
    if (!options.isNoCache) await keepRecord(this.#res, stage, record, keyed.manifest);
    const { why } = decision;
    this.#ends.end(stage, {
      outcome: 'ran',
      reason: whyText(why),
      why,
      key: record.fingerprint,
      startedAt: ranFrom,
      slotMs,
      items: record.items,
      attempts: outcome.attempts,
      peakRssBytes,
    });
    return 'ok';
  }

  /** A stage that got no job slot (cancelled), or whose work failed or was cancelled. */
  #endUnfinished(
    stage: StagePlan,
    job: {
      key: string;
      outcome: Exclude<ExecuteResult, { ok: true }> | undefined;
      ranFrom: number;
      slotMs?: number;
      peakRssBytes?: number;
      signal: AbortSignal;
    },
  ): VisitResult {
    const { key, outcome, ranFrom, signal } = job;
    if (!outcome) {
      this.#ends.end(stage, {
        outcome: 'cancelled',
        reason: `not started: ${cancelCause(signal)}`,
        key,
        startedAt: ranFrom,
      });
      return 'cancelled';
    }
    const ended = outcome.isCancelled ? 'cancelled' : 'failed';
    const reason = outcome.isCancelled ? cancelCause(signal) : failureText(outcome.failure);
    const failure = outcome.isCancelled ? undefined : outcome.failure;
    const { items, attempts } = outcome;
    this.#ends.end(stage, {
      outcome: ended,
      reason,
      failure,
      key,
      startedAt: ranFrom,
      slotMs: job.slotMs,
      items,
      attempts,
      peakRssBytes: job.peakRssBytes,
    });
    return ended;
  }
}
