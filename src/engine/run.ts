// One `runner exec`: selects stages, walks the DAG with the scheduler,
// decides each stage against the caches, runs what must run (at most `jobs`
// at once), records results, and reports everything as events.
import PQueue from 'p-queue';
import type { ConfigPlan, StagePlan } from '../config/types.js';
import type { Graph } from '../graph/dag.js';
import { descendants, selectStages } from '../graph/dag.js';
import type { Selection } from '../graph/dag.js';
import type { HashHelp } from '../cache/stat-cache.js';
import type { ItemCounts, StageRecord } from '../cache/state.js';
import type { Why } from '../cache/why.js';
import { itemScopeFingerprint } from '../cache/fingerprint.js';
import { hashValue } from '../util/hash.js';
import { decide, manifestEntry, manifestKey, storeKey } from './decide.js';
import type { Decision } from './decide.js';
import type { Emit, Failure, StageOutcome } from './events.js';
import { NO_ITEMS } from './events.js';
import { execute } from './execute.js';
import type { MapRunner } from './execute.js';
import { failureText, whyText } from './reasons.js';
import { Resources } from './resources.js';
import { schedule } from './scheduler.js';
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

export interface RunSummary {
  status: 'success' | 'failed' | 'cancelled' | 'deferred';
  counts: Record<StageOutcome, number>;
  durationMs: number;
}

export function selectedStages(options: Pick<RunOptions, 'plan' | 'graphs' | 'pipelines' | 'selection'>): StagePlan[] {
  const out: StagePlan[] = [];
  for (const name of options.pipelines) {
    const pipeline = options.plan.pipelines.get(name);
    const graph = options.graphs.get(name);
    if (!pipeline || !graph) continue;
    const selected = selectStages(graph, options.selection);
    for (const stage of pipeline.stages.values()) if (selected.has(stage.name)) out.push(stage);
  }
  return out;
}

export function forcedStages(options: Pick<RunOptions, 'graphs' | 'force'>, stages: readonly StagePlan[]): Set<string> {
  if (options.force === true) return new Set(stages.map((s) => s.id));
  if (options.force === false) return new Set();
  const forced = new Set<string>();
  for (const stage of stages) {
    const graph = options.graphs.get(stage.pipeline);
    if (!graph || !options.force.includes(stage.name)) continue;
    forced.add(stage.id);
    for (const below of descendants(graph, stage.name)) forced.add(`${stage.pipeline}/${below}`);
  }
  return forced;
}

export async function executeRun(options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const { emit } = options;
  const stages = selectedStages(options);
  const byId = new Map(stages.map((s) => [s.id, s]));
  const forced = forcedStages(options, stages);
  const res = new Resources({ root: options.plan.root, storeUrl: options.storeUrl, emit, isStateReadOnly: options.isNoCache, hashHelp: options.hashHelp });
  const queue = new PQueue({ concurrency: Math.max(1, options.jobs) });
  const results = new Map<string, StageRecord>();
  const counts: Record<StageOutcome, number> = { ran: 0, cached: 0, restored: 0, failed: 0, cancelled: 0, blocked: 0 };
  const sampler = new UsageSampler();
  let isDeferred = false;
  // Deciding hashes inputs on this thread: in time slices, so the first stage can start early.
  const deciding = new TimeSlices();

  emit({
    event: 'run:start',
    runId: options.runId,
    pipelines: [...options.pipelines],
    stages: stages.map((s) => ({ pipeline: s.pipeline, stage: s.name, needs: s.definition.needs })),
    jobs: options.jobs,
    dryRun: false,
    ...(options.isDaemon ? { daemon: true } : {}),
  });

  const end = (stage: StagePlan, fields: { outcome: StageOutcome; reason: string; startedAt: number } & Partial<EndExtras>): void => {
    counts[fields.outcome]++;
    emit({
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
  };

  const visit = async (id: string, signal: AbortSignal): Promise<VisitResult> => {
    const stage = byId.get(id);
    if (!stage) return 'failed';
    if (!options.isOnlyCached) warmPool(stage, res, options.isNoCache || forced.has(id));
    await deciding.enter();
    const startedAt = Date.now();
    const upstream = new Map<string, StageRecord>();
    for (const need of stage.definition.needs) {
      const record = results.get(`${stage.pipeline}/${need}`) ?? res.state.get(`${stage.pipeline}/${need}`);
      if (record) upstream.set(need, record);
    }
    let decision: Decision;
    try {
      // Hashes the inputs before its first await, within this turn.
      const decided = decide({ stage, upstream, isForced: forced.has(id), isNoCache: options.isNoCache, res });
      deciding.leave();
      decision = await decided;
    } catch (error) {
      const failure: Failure = { kind: 'error', message: `deciding whether to run: ${(error as Error).message}` };
      end(stage, { outcome: 'failed', reason: failureText(failure), failure, startedAt });
      return 'failed';
    }
    if (decision.action === 'fail') {
      end(stage, { outcome: 'failed', reason: failureText(decision.failure), failure: decision.failure, startedAt });
      return 'failed';
    }
    if (options.isOnlyCached && decision.action !== 'cached') {
      isDeferred = true;
      return 'failed';
    }
    const announce = (): void => emit({ event: 'stage:start', pipeline: stage.pipeline, stage: stage.name, key: decision.fingerprint });
    if (decision.action === 'cached') {
      announce();
      results.set(id, decision.record);
      if (res.state.get(id)?.fingerprint !== decision.fingerprint) res.state.set(id, decision.record);
      end(stage, { outcome: 'cached', reason: whyText(decision.why), why: decision.why, key: decision.fingerprint, startedAt, items: cachedItems(decision.record) });
      return 'ok';
    }
    if (decision.action === 'restore') {
      announce();
      const problem = await restoreOutputs(res, decision);
      if (!problem) {
        results.set(id, decision.record);
        res.state.set(id, decision.record);
        end(stage, { outcome: 'restored', reason: whyText(decision.why), why: decision.why, key: decision.fingerprint, startedAt, items: cachedItems(decision.record) });
        return 'ok';
      }
      emit({ event: 'warning', pipeline: stage.pipeline, stage: stage.name, message: `${problem}; running the stage instead` });
    }
    const why = decision.why;
    // A stage that runs starts (and is timed) when it gets a job slot, not while it waits for one.
    let ranFrom = startedAt;
    // The job slot bounds stages doing their work; recording outputs (hashing
    // and copying them) happens after the slot has gone to the next stage.
    let freeSlot!: () => void;
    const isSlotFree = new Promise<void>((resolve) => (freeSlot = resolve));
    const slot = await queue.add(async () => {
      if (signal.aborted) return undefined;
      ranFrom = Date.now();
      if (decision.action === 'run') announce();
      sampler.begin(id);
      const running = execute({
        stage,
        inputs: decision.manifest.inputs.map(([file]) => file),
        foreachFiles: decision.foreachFiles,
        foreachHashes: decision.foreachHashes,
        upstream,
        res,
        signal,
        baseEnv: options.baseEnv,
        onProgress: (done, total, cached) =>
          emit({ event: 'stage:progress', pipeline: stage.pipeline, stage: stage.name, done, total: total ?? null, cached }),
        runMap: options.runMap,
        itemScope: itemScopeFingerprint(decision.manifest, foreachStageOf(stage), new Set(decision.foreachFiles)),
        previousItems: res.state.get(id)?.itemManifest,
        isNoCache: options.isNoCache,
        isForced: forced.has(id),
        onWorkDone: freeSlot,
      }).finally(() => sampler.finish(id));
      await Promise.race([isSlotFree, running.then(() => undefined, () => undefined)]);
      // Wrapped, so that the queue does not wait for the recording too.
      return { running };
    });
    const outcome = slot ? await slot.running : undefined;
    const peakRssBytes = sampler.peakOf(id);
    if (!outcome) {
      end(stage, { outcome: 'cancelled', reason: `not started: ${cancelCause(signal)}`, key: decision.fingerprint, startedAt: ranFrom });
      return 'cancelled';
    }
    if (!outcome.ok) {
      const reason = outcome.isCancelled ? cancelCause(signal) : failureText(outcome.failure);
      end(stage, {
        outcome: outcome.isCancelled ? 'cancelled' : 'failed',
        reason,
        failure: outcome.isCancelled ? undefined : outcome.failure,
        key: decision.fingerprint,
        startedAt: ranFrom,
        items: outcome.items,
        attempts: outcome.attempts,
        peakRssBytes,
      });
      return outcome.isCancelled ? 'cancelled' : 'failed';
    }
    const record: StageRecord = {
      fingerprint: decision.fingerprint,
      outputFingerprint:
        outcome.outputs.length > 0 || outcome.dataset
          ? hashValue({ outputs: outcome.outputs.map((o) => [o.path, o.hash]), dataset: outcome.dataset?.hash ?? null })
          : decision.fingerprint,
      // The fingerprint is the manifest's own hash; the manifest itself goes into the store.
      manifest: decision.fingerprint,
      outputs: outcome.outputs,
      dataset: outcome.dataset,
      createdAt: Date.now(),
      durationMs: Date.now() - ranFrom,
      // A task stage's items are the records it returned, as when it is cached.
      items: outcome.items ?? (outcome.dataset ? recordItems(outcome.dataset.count) : undefined),
      itemManifest: outcome.itemManifest,
    };
    results.set(id, record);
    if (!options.isNoCache) {
      res.state.set(id, record);
      const ttl = stage.definition.cache.ttlMs;
      const manifest = manifestEntry(res, decision.manifest, record.createdAt);
      const blobs = [...record.outputs.map((o) => o.hash), ...(record.dataset ? [record.dataset.hash] : []), ...(manifest.inputs ? [manifest.inputs] : [])];
      await res.shareBlobs(blobs, ttl);
      // Manifest first: whoever finds the stage entry finds its manifest (for `explain`).
      await (await res.store())?.setMany([
        { key: manifestKey(record.fingerprint), value: manifest, ttlMs: ttl },
        { key: storeKey(record.fingerprint), value: record, ttlMs: ttl },
      ]);
    }
    end(stage, { outcome: 'ran', reason: whyText(why), why, key: decision.fingerprint, startedAt: ranFrom, items: record.items, attempts: outcome.attempts, peakRssBytes });
    return 'ok';
  };

  const nodes: ScheduleNode[] = stages.map((s) => ({ id: s.id, needs: s.definition.needs.map((n) => `${s.pipeline}/${n}`) }));
  let scheduled: { failed: string[]; isInterrupted: boolean };
  try {
    scheduled = await schedule({
      nodes,
      visit,
      skip: (id, outcome, cause) => {
        const stage = byId.get(id);
        if (!stage) return;
        const reason = outcome === 'blocked' ? `upstream failed: ${cause}` : cause === 'interrupted' ? 'interrupted' : `not started: ${cause}`;
        end(stage, { outcome, reason, startedAt: Date.now() });
      },
      isKeepGoing: options.isKeepGoing,
      signal: options.signal,
    });
  } finally {
    sampler.stop();
    await res.close();
  }
  if (isDeferred) return { status: 'deferred', counts, durationMs: Date.now() - started };
  const status = scheduled.isInterrupted ? 'cancelled' : scheduled.failed.length > 0 || counts.failed > 0 ? 'failed' : 'success';
  const durationMs = Date.now() - started;
  emit({
    event: 'run:end',
    runId: options.runId,
    status,
    durationMs,
    counts,
    peakRssBytes: sampler.peakRss,
    cpuUtilisation: sampler.cpuUtilisation(durationMs),
  });
  return { status, counts, durationMs };
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

function foreachStageOf(stage: StagePlan): string | undefined {
  return stage.definition.foreach?.kind === 'stage' ? stage.definition.foreach.stage : undefined;
}

function recordItems(count: number): ItemCounts {
  return { total: count, done: count, cached: 0, failed: 0 };
}

function cachedItems(record: StageRecord): ItemCounts {
  const total = record.items?.total ?? record.dataset?.count ?? 0;
  return { total, done: total, cached: total, failed: 0 };
}

async function restoreOutputs(res: Resources, decision: Extract<Decision, { action: 'restore' }>): Promise<string | undefined> {
  for (const output of decision.restore) {
    const file = res.stats.absolute(output.path);
    if (res.objects.isLinkedTo(output.hash, file)) {
      // Edited in place since the stage wrote it: the blob, the same file, changed too.
      res.objects.remove(output.hash);
      return `cannot restore ${output.path}: it was changed in place, and its stored copy with it (the two were one file, a hard link)`;
    }
    await res.hasBlob(output.hash);
    const problem = await res.objects.restoreTo(output.hash, file, output.mode);
    if (!problem) {
      res.stats.remember(output.path, output.hash);
      continue;
    }
    return problem.kind === 'missing'
      ? `cannot restore ${output.path}: its blob is not in the object store`
      : `cannot restore ${output.path}: its blob in .runner/objects was corrupt and has been removed`;
  }
  return undefined;
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
