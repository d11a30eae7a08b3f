// Phase 2 of a stage in a run: given its key, should it run, be skipped, or
// have its outputs restored? A function of the key, the stage's upstream
// records and the caches; it runs nothing.
import type { StagePlan } from '../config/types.js';
import { ChunkList } from '../cache/dataset-chunks.js';
import type { Manifest } from '../cache/fingerprint.js';
import type { OutputRecord, StageRecord } from '../cache/state.js';
import { diffManifests } from '../cache/why.js';
import type { Why } from '../cache/why.js';
import type { Failure } from './events.js';
import type { Keyed } from './key.js';
import { loadManifests, lookupRecord } from './record.js';
import type { Resources } from './resources.js';

export interface DecideInput {
  stage: StagePlan;
  /** The stage's key (computeKey), or why it has none. */
  keyed: Keyed | { failure: Failure };
  isForced: boolean;
  isNoCache: boolean;
  res: Resources;
}

export type Decision =
  | (Keyed & { action: 'cached'; record: StageRecord; why: Why })
  | (Keyed & { action: 'restore'; record: StageRecord; restore: OutputRecord[]; why: Why; isFromStore: boolean })
  | (Keyed & { action: 'run'; why: Why; previous?: StageRecord })
  | { action: 'fail'; failure: Failure };

export async function decide(input: DecideInput): Promise<Decision> {
  const { stage, res, keyed } = input;
  if ('failure' in keyed) return { action: 'fail', failure: keyed.failure };
  const { definition } = stage;
  const previous = res.state.get(stage.id);
  if (input.isNoCache) return { ...keyed, action: 'run', why: { reason: 'no-cache' }, previous };
  if (input.isForced) return { ...keyed, action: 'run', why: { reason: 'forced' }, previous };
  if (definition.cache.policy === 'never')
    return { ...keyed, action: 'run', why: { reason: 'policy-never' }, previous };
  // Its files still being read: a stage that never ran here, with no shared store (key.ts, mayReadLater).
  if (keyed.later) return { ...keyed, action: 'run', why: { reason: 'no-cache-entry' }, previous };

  const isLocal = previous?.fingerprint === keyed.fingerprint;
  let record = isLocal ? previous : undefined;
  // Files a stage writes without declaring them cannot be restored: such a
  // stage is reused only from its own last run here.
  if (!record && !definition.cache.hasSideEffects) record = await lookupRecord(res, keyed.fingerprint);
  if (!record || record.fingerprint !== keyed.fingerprint) {
    return { ...keyed, action: 'run', why: await whyChanged(res, previous, keyed.manifest), previous };
  }
  const ttlMs = definition.cache.ttlMs;
  if (definition.cache.policy === 'ttl' && ttlMs !== undefined && res.now() - record.createdAt > ttlMs) {
    return {
      ...keyed,
      action: 'run',
      why: { reason: 'ttl-expired', ageMs: res.now() - record.createdAt, ttlMs },
      previous,
    };
  }
  // Results its map's cacheable() kept out (a fallback): the stage runs, and those items are asked for again.
  const uncacheable = record.items?.uncacheable ?? 0;
  if (uncacheable > 0) return { ...keyed, action: 'run', why: { reason: 'uncacheable', items: uncacheable }, previous };
  const lost = record.dataset && (await recordsLost(res, stage, record.dataset.hash));
  if (lost) return { ...keyed, action: 'run', why: lost, previous };
  const restore: OutputRecord[] = [];
  let firstProblem: Why | undefined;
  for (const output of record.outputs) {
    const hash = res.stats.hash(output.path);
    if (hash === output.hash) continue;
    restore.push(output);
    firstProblem ??=
      hash === undefined
        ? { reason: 'output-missing', path: output.path }
        : { reason: 'output-changed', path: output.path };
  }
  if (restore.length === 0) return { ...keyed, action: 'cached', record, why: { reason: 'unchanged' } };
  const why = isLocal ? (firstProblem ?? { reason: 'unchanged' }) : await whyRestored(res, previous, keyed.manifest);
  return { ...keyed, action: 'restore', record, restore, why, isFromStore: !isLocal };
}

/**
 * Why a stage runs again when its records, which live only in the object
 * store, are gone or corrupt there: so that it runs before a downstream stage reads them.
 */
async function recordsLost(res: Resources, stage: StagePlan, hash: string): Promise<Why | undefined> {
  const problem = await res.soundRecords(hash);
  if (problem instanceof ChunkList) return undefined;
  const path = `(records of ${stage.name})`;
  if (problem.kind === 'missing') return { reason: 'output-missing', path };
  res.emit({
    event: 'warning',
    pipeline: stage.pipeline,
    stage: stage.name,
    message: 'its records in .runner/objects were corrupt and have been removed; running the stage again',
  });
  return { reason: 'output-changed', path };
}

/** Why a stage is restored from an entry it did not make here: what changed since, or that it never ran here. */
async function whyRestored(res: Resources, previous: StageRecord | undefined, current: Manifest): Promise<Why> {
  const why = await whyChanged(res, previous, current);
  return why.reason === 'no-cache-entry' ? { reason: 'found-in-cache' } : why;
}

async function whyChanged(res: Resources, previous: StageRecord | undefined, current: Manifest): Promise<Why> {
  if (!previous) return { reason: 'no-cache-entry' };
  const both = await loadManifests(res, previous.manifest, current);
  if (!both) return { reason: 'no-cache-entry' };
  return { reason: 'changed', changes: diffManifests(...both) };
}
