// Phase 3a of a stage in a run: a stage whose key is known reuses its
// record as it is (cached), or after its missing or changed outputs are
// brought back from the object store (restored).
import type { ItemCounts, StageRecord } from '../cache/state.js';
import type { Decision } from './decide.js';
import type { Resources } from './resources.js';

export type Reused =
  | { outcome: 'cached' | 'restored'; record: StageRecord; items: ItemCounts }
  /** An output that could not be restored (`path`), and why. */
  | { problem: string; path: string };

export async function reuse(
  res: Resources,
  id: string,
  decision: Extract<Decision, { action: 'cached' | 'restore' }>,
): Promise<Reused> {
  const items = cachedItems(decision.record);
  if (decision.action === 'cached') {
    if (res.state.get(id)?.fingerprint !== decision.fingerprint) res.state.set(id, decision.record);
    return { outcome: 'cached', record: decision.record, items };
  }
  const problem = await restoreOutputs(res, decision);
  if (problem) return problem;
  res.state.set(id, decision.record);
  return { outcome: 'restored', record: decision.record, items };
}

function cachedItems(record: StageRecord): ItemCounts {
  const total = record.items?.total ?? record.dataset?.count ?? 0;
  return { total, done: total, cached: total, failed: 0 };
}

async function restoreOutputs(
  res: Resources,
  decision: Extract<Decision, { action: 'restore' }>,
): Promise<{ problem: string; path: string } | undefined> {
  for (const output of decision.restore) {
    const file = res.stats.absolute(output.path);
    await res.hasBlob(output.hash);
    const problem = await res.objects.restoreTo(output.hash, file, output.mode);
    if (!problem) {
      res.stats.remember(output.path, output.hash);
      continue;
    }
    const why =
      problem.kind === 'missing'
        ? `its blob ${res.missingBlob(output.hash)}`
        : 'its blob in .runner/objects was corrupt and has been removed';
    return { problem: `cannot restore ${output.path}: ${why}`, path: output.path };
  }
  return undefined;
}
