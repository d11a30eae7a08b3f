// One `runner exec`: selects stages, walks the DAG with the scheduler,
// decides each stage against the caches, runs what must run (at most `jobs`
// at once), records results, and reports everything as events.
import PQueue from 'p-queue';
import type { ConfigPlan, StagePlan } from '../config/types.js';
import type { Graph } from '../graph/dag.js';
import type { Selection } from '../graph/dag.js';
import type { HashHelp } from '../cache/stat-cache.js';
import type { ItemCounts, StageRecord } from '../cache/state.js';
import type { Why } from '../cache/why.js';
import { decide } from './decide.js';
import type { Decision } from './decide.js';
import type { Emit, Failure, StageOutcome } from './events.js';
import { NO_ITEMS } from './events.js';
import type { MapRunner } from './execute.js';
import { runJob } from './job.js';
import { computeKey } from './key.js';
import type { Keyed } from './key.js';
import { keepRecord, stageRecord } from './record.js';
import { failureText, whyText } from './reasons.js';
import { Resources } from './resources.js';
import { reuse } from './reuse.js';
import { schedule } from './scheduler.js';
import { forcedStages, selectedStages } from './selection.js';
import { TimeSlices } from './time-slices.js';
import type { ScheduleNode, VisitResult } from './scheduler.js';
import { UsageSampler } from './usage.js';

export interface RunOptions {
  plan: ConfigPlan;
  graphs: ReadonlyMap<string, Graph>;
  pipelines: readonly string[];
  selection: Selection;
  jobs: number;
  isKeepGoing: boolean;
  /** true: every selected stage; a list: those stages and everything downstream. */
  force: boolean | readonly string[];
  isNoCache: boolean;
  storeUrl: string;
  baseEnv: Readonly<Record<string, string | undefined>>;
  runId: string;
  emit: Emit;
  signal?: AbortSignal;
  runMap?: MapRunner;
  /**
   * Run only if every selected stage is cached (the runner daemon's no-op
   * runs): the first stage that would run or restore ends the run as
   * `deferred`, before any stage has run, and the caller runs it again in
   * a process of its own.
   */
  isOnlyCached?: boolean;
  /** Said in run:start: this run is served by the runner daemon. */
  isDaemon?: boolean;
  /** What the daemon lends the run's hashing. */
  hashHelp?: HashHelp;
}

export { forcedStages, selectedStages } from './selection.js';

export interface RunSummary {
  status: 'success' | 'failed' | 'cancelled' | 'deferred';
  counts: Record<StageOutcome, number>;
  durationMs: number;
}

export async function executeRun(options: RunOptions): Promise<RunSummary> {
  return new Run(options).execute();
}

/** End of a stage, as said in its stage:end event. */
type Ended = { outcome: StageOutcome; reason: string; startedAt: number } & Partial<EndExtras>;

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
  readonly #counts: Record<StageOutcome, number> = {
    ran: 0,
    cached: 0,
    restored: 0,
    failed: 0,
    cancelled: 0,
    blocked: 0,
  };
  readonly #sampler = new UsageSampler();
  // Deciding hashes inputs on this thread: in time slices, so the first stage can start early.
  readonly #deciding = new TimeSlices();
  #isDeferred = false;

  constructor(options: RunOptions) {
    this.#options = options;
    this.#stages = selectedStages(options);
    this.#byId = new Map(this.#stages.map((s) => [s.id, s]));
    this.#forced = forcedStages(options, this.#stages);
    this.#res = new Resources({
      root: options.plan.root,
      storeUrl: options.storeUrl,
      emit: options.emit,
      isStateReadOnly: options.isNoCache,
      hashHelp: options.hashHelp,
    });
    this.#queue = new PQueue({ concurrency: Math.max(1, options.jobs) });
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
      ...(options.isDaemon ? { daemon: true } : {}),
    });
    const nodes: ScheduleNode[] = this.#stages.map((s) => ({
      id: s.id,
      needs: s.definition.needs.map((n) => `${s.pipeline}/${n}`),
    }));
    let scheduled: { failed: string[]; isInterrupted: boolean };
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
          if (stage) this.#end(stage, { outcome, reason, startedAt: Date.now() });
        },
        isKeepGoing: options.isKeepGoing,
        signal: options.signal,
      });
    } finally {
      this.#sampler.stop();
      await this.#res.close();
    }
    const durationMs = Date.now() - this.#started;
    if (this.#isDeferred) return { status: 'deferred', counts: this.#counts, durationMs };
    const status = scheduled.isInterrupted
      ? 'cancelled'
      : scheduled.failed.length > 0 || this.#counts.failed > 0
        ? 'failed'
        : 'success';
    options.emit({
      event: 'run:end',
      runId: options.runId,
      status,
      durationMs,
      counts: this.#counts,
      peakRssBytes: this.#sampler.peakRss,
      cpuUtilisation: this.#sampler.cpuUtilisation(durationMs),
    });
    return { status, counts: this.#counts, durationMs };
  }

  async #visit(id: string, signal: AbortSignal): Promise<VisitResult> {
    const stage = this.#byId.get(id);
    if (!stage) return 'failed';
    const isForced = this.#forced.has(id);
    if (!this.#options.isOnlyCached) warmPool(stage, this.#res, this.#options.isNoCache || isForced);
    const upstream = upstreamOf(stage, this.#results, this.#res);
    await this.#deciding.enter();
    const startedAt = Date.now();
    const decision = await this.#decide(stage, upstream, isForced);
    if (decision.action === 'fail') {
      this.#end(stage, {
        outcome: 'failed',
        reason: failureText(decision.failure),
        failure: decision.failure,
        startedAt,
      });
      return 'failed';
    }
    if (this.#options.isOnlyCached && decision.action !== 'cached') {
      this.#isDeferred = true;
      return 'failed';
    }
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
        this.#end(stage, {
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
    try {
      let keyed: ReturnType<typeof computeKey>;
      try {
        keyed = computeKey({ stage, upstream, res: this.#res });
      } finally {
        this.#deciding.leave();
      }
      return await decide({ stage, keyed, isForced, isNoCache: this.#options.isNoCache, res: this.#res });
    } catch (error) {
      return {
        action: 'fail',
        failure: { kind: 'error', message: `deciding whether to run: ${(error as Error).message}` },
      };
    }
  }

  async #run(
    stage: StagePlan,
    decision: Keyed & { why: Why },
    how: { upstream: ReadonlyMap<string, StageRecord>; signal: AbortSignal; isForced: boolean; onStart(): void },
  ): Promise<VisitResult> {
    const options = this.#options;
    const { outcome, ranFrom, peakRssBytes } = await runJob({
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
      onStart: how.onStart,
    });
    const key = decision.fingerprint;
    if (!outcome) {
      this.#end(stage, {
        outcome: 'cancelled',
        reason: `not started: ${cancelCause(how.signal)}`,
        key,
        startedAt: ranFrom,
      });
      return 'cancelled';
    }
    if (!outcome.ok) {
      const ended = outcome.isCancelled ? 'cancelled' : 'failed';
      const reason = outcome.isCancelled ? cancelCause(how.signal) : failureText(outcome.failure);
      const failure = outcome.isCancelled ? undefined : outcome.failure;
      this.#end(stage, {
        outcome: ended,
        reason,
        failure,
        key,
        startedAt: ranFrom,
        items: outcome.items,
        attempts: outcome.attempts,
        peakRssBytes,
      });
      return ended;
    }
    const record = stageRecord(decision, outcome, ranFrom);
    this.#results.set(stage.id, record);
    if (!options.isNoCache) await keepRecord(this.#res, stage, record, decision.manifest);
    const { why } = decision;
    this.#end(stage, {
      outcome: 'ran',
      reason: whyText(why),
      why,
      key,
      startedAt: ranFrom,
      items: record.items,
      attempts: outcome.attempts,
      peakRssBytes,
    });
    return 'ok';
  }

  #end(stage: StagePlan, fields: Ended): void {
    this.#counts[fields.outcome]++;
    this.#options.emit({
      event: 'stage:end',
      pipeline: stage.pipeline,
      stage: stage.name,
      outcome: fields.outcome,
      reason: fields.reason,
      why: fields.why,
      failure: fields.failure,
      key: fields.key,
      durationMs: Date.now() - fields.startedAt,
      items: fields.items ?? NO_ITEMS,
      attempts: fields.attempts,
      peakRssBytes: fields.peakRssBytes,
    });
  }
}

interface EndExtras {
  why: Why;
  failure: Failure;
  key: string;
  items: ItemCounts;
  attempts: number;
  peakRssBytes: number;
}

/** Why in-flight work was stopped: Ctrl-C, or fail-fast after another stage failed. */
function cancelCause(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  const message = reason instanceof Error ? reason.message : String(reason ?? 'interrupted');
  return message === 'interrupted' ? 'interrupted' : `cancelled: ${message}`;
}

/** Records of a stage's needs: this run's, or the last ones here. */
function upstreamOf(
  stage: StagePlan,
  results: ReadonlyMap<string, StageRecord>,
  res: Resources,
): Map<string, StageRecord> {
  const upstream = new Map<string, StageRecord>();
  for (const need of stage.definition.needs) {
    const record = results.get(`${stage.pipeline}/${need}`) ?? res.state.get(`${stage.pipeline}/${need}`);
    if (record) upstream.set(need, record);
  }
  return upstream;
}

/**
 * A map stage computing in a pool with nothing of it cached here (or
 * forced, or under --no-cache) is about to compute every item: its workers start now and load its module while
 * the main thread hashes the stage's inputs. (With a shared store its
 * record may still be found there: then the workers loaded for nothing.)
 */
function warmPool(stage: StagePlan, res: Resources, isRecomputing: boolean): void {
  const { definition, knobs } = stage;
  if (!definition.foreach || !definition.run || knobs.isolate === 'inline') return;
  if (!isRecomputing && res.state.get(stage.id)) return;
  res.pool(knobs.isolate).warm({ ...definition.run, root: res.root });
}
