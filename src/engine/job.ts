// Phase 3b of a stage in a run: a stage that must run waits for one of the
// run's `jobs` slots, then executes. The slot is given back as soon as the
// stage's own work is done: recording its outputs (hashing and storing
// them) happens after the next stage has started.
import type PQueue from 'p-queue';
import type { StagePlan } from '../config/types.js';
import type { StageRecord } from '../cache/state.js';
import type { Emit } from './events.js';
import { execute } from './execute.js';
import { itemScopeOf, keyAsLeft } from './fixpoint.js';
import type { ExecuteResult, MapRunner } from './execute.js';
import type { Keyed } from './key.js';
import type { Resources } from './resources.js';
import type { StallWatch } from './stall.js';
import type { UsageSampler } from './usage.js';
import { hashValue } from '../util/hash.js';

export interface JobInput {
  queue: PQueue;
  stage: StagePlan;
  keyed: Keyed;
  upstream: ReadonlyMap<string, StageRecord>;
  res: Resources;
  signal: AbortSignal;
  baseEnv: Readonly<Record<string, string | undefined>>;
  emit: Emit;
  runMap?: MapRunner;
  sampler: UsageSampler;
  isNoCache: boolean;
  isForced: boolean;
  /** Called when the stage gets its slot, just before it starts. */
  onStart(): void;
  stall?: StallWatch;
}

export interface JobResult {
  /** Undefined: cancelled before it got a slot. */
  outcome?: ExecuteResult;
  /** When it got its slot (a stage is timed from there, not from its wait). */
  ranFrom: number;
  /** How long it held its slot: its work, without the recording after it (another stage may have the slot by then). */
  slotMs?: number;
  peakRssBytes?: number;
}

export async function runJob(input: JobInput): Promise<JobResult> {
  const { stage, keyed, res, signal, emit, sampler } = input;
  let ranFrom = Date.now();
  let slotMs: number | undefined;
  let freeSlot!: () => void;
  const isSlotFree = new Promise<void>((resolve) => (freeSlot = resolve));
  const slot = await input.queue.add(async () => {
    if (signal.aborted) return undefined;
    ranFrom = Date.now();
    input.onStart();
    sampler.begin(stage.id);
    const running = execute({
      stage,
      inputs: keyed.files,
      foreachFiles: keyed.foreachFiles,
      foreachHashes: keyed.foreachHashes,
      // As codeFingerprint has it, and a remote worker compares it.
      code: hashValue(keyed.manifest.code),
      hashesThrough: (keyed.later ?? keyed.unread)?.through,
      keptFiles: keyed.later?.kept,
      upstream: input.upstream,
      res,
      signal,
      baseEnv: input.baseEnv,
      onProgress: (done, total, cached) =>
        emit({
          event: 'stage:progress',
          pipeline: stage.pipeline,
          stage: stage.name,
          done,
          total: total ?? null,
          cached,
        }),
      runMap: input.runMap,
      itemScope: itemScopeOf(stage, keyed),
      keyAsLeft: stage.definition.cache.isInPlace ? () => keyAsLeft(stage, input.upstream, res) : undefined,
      previousItems: res.state.get(stage.id)?.itemManifest,
      isNoCache: input.isNoCache,
      isForced: input.isForced,
      onWorkDone: freeSlot,
      stall: input.stall,
    }).finally(() => sampler.finish(stage.id));
    await Promise.race([
      isSlotFree,
      running.then(
        () => undefined,
        () => undefined,
      ),
    ]);
    slotMs = Date.now() - ranFrom;
    // Wrapped, so that the queue does not wait for the recording too.
    return { running };
  });
  const outcome = slot ? await slot.running : undefined;
  return { outcome, ranFrom, slotMs, peakRssBytes: sampler.peakOf(stage.id) };
}

/**
 * A map stage computing in a pool with nothing of it cached here (or
 * forced, or under --no-cache) is about to compute every item: its workers
 * start now, and load its module once `compiled` (the compile of its
 * TypeScript, compile-ahead.ts) is done, while the main thread hashes the
 * stage's inputs. Resolves when it is: the main thread answers the
 * compiler's questions until then. (With a shared store its record may
 * still be found there: then the workers loaded for nothing.)
 */
export async function warmPool(stage: StagePlan, res: Resources, compiled = Promise.resolve()): Promise<void> {
  const { definition, knobs } = stage;
  if (definition.kind !== 'map' || knobs.isolate === 'inline') return;
  res.pool(knobs.isolate).warm({ ...definition.run, root: res.root }, compiled);
  await compiled;
}
