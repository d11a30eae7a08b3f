// The fixpoint cache of in-place stages (`cache: { inPlace: true }`): stages
// that edit their own input files (a formatter, a front-matter repair). Run
// under key K0 (the files as they were), such a stage leaves the files in
// another state, whose key K1 is what the next run computes. So its result
// is recorded under K1, the key of the files as the stage left them, and
// never under K0: an unchanged workspace is then cached on the next run,
// while files brought back to their K0 state (a revert) find no entry and are
// edited again. With an item cache, each computed item of a map over files
// is likewise keyed by its file as the stage left it (process-block.ts), and
// the item manifest is recorded under K1's item scope. This holds for a stage
// that is idempotent: run again on the files as it left them, it changes
// nothing and returns the same records.
import { itemScopeFingerprint } from '../cache/fingerprint.js';
import type { StageRecord } from '../cache/state.js';
import type { StagePlan } from '../config/types.js';
import { foreachOf } from '../config/types.js';
import type { Failure } from './events.js';
import { computeKey } from './key.js';
import type { Keyed } from './key.js';
import type { Resources } from './resources.js';

/** A stage's key, and its item scope, over its files as they are now. */
export interface KeyAsLeft {
  keyed: Keyed;
  itemScope: string;
}

/** The key an in-place stage is recorded under: computed again once its work is done. */
export function keyAsLeft(
  stage: StagePlan,
  upstream: ReadonlyMap<string, StageRecord>,
  res: Resources,
): KeyAsLeft | { failure: Failure } {
  const keyed = computeKey({ stage, upstream, res });
  if ('failure' in keyed) return keyed;
  return { keyed, itemScope: itemScopeOf(stage, keyed) };
}

/** The item cache's scope: the stage key without its items' own contents. */
export function itemScopeOf(stage: StagePlan, keyed: Keyed): string {
  const foreach = foreachOf(stage.definition);
  const foreachStage = foreach?.kind === 'stage' ? foreach.stage : undefined;
  return itemScopeFingerprint(keyed.manifest, foreachStage, keyed.foreachFiles);
}
