// `runner status` and `exec --dry-run`: what would run and why, without
// running anything. Stages are decided in topological order; a stage whose
// upstream would run is reported with its own change when it has one, else
// with "upstream will run".
import type { StagePlan } from '../config/types.js';
import { topologicalOrder } from '../graph/dag.js';
import type { StageRecord } from '../cache/state.js';
import type { Why } from '../cache/why.js';
import { decide } from './decide.js';
import { computeKey } from './key.js';
import type { Emit } from './events.js';
import { failureText, whyText } from './reasons.js';
import { Resources } from './resources.js';
import { forcedStages, selectedStages } from './selection.js';
import type { RunOptions } from './run-options.js';

export interface StageStatus {
  pipeline: string;
  stage: string;
  wouldRun: boolean;
  /** What would happen: run, cached, restore, fail. */
  action: 'run' | 'cached' | 'restore' | 'fail';
  reason: string;
  why?: Why;
  key?: string;
}

export type StatusOptions = Pick<
  RunOptions,
  'plan' | 'graphs' | 'pipelines' | 'selection' | 'force' | 'isNoCache' | 'storeUrl' | 'shared'
> & {
  emit?: Emit;
};

export async function stageStatuses(options: StatusOptions): Promise<StageStatus[]> {
  const stages = selectedStages(options);
  const byId = new Map(stages.map((s) => [s.id, s]));
  const forced = forcedStages(options, stages);
  const res = new Resources({
    root: options.plan.root,
    storeUrl: options.storeUrl,
    shared: options.shared,
    emit: options.emit ?? (() => {}),
    isStateReadOnly: true,
  });
  const willRun = new Set<string>();
  // What this pass found each stage would reuse: a downstream stage's key
  // starts from it, as it would in a run after the restore.
  const reuse: Reuse = { records: new Map(), pending: new Map() };
  const out: StageStatus[] = [];
  try {
    for (const pipeline of options.pipelines) {
      const graph = options.graphs.get(pipeline);
      if (!graph) continue;
      for (const name of topologicalOrder(graph)) {
        const stage = byId.get(`${pipeline}/${name}`);
        if (stage)
          out.push(
            await statusOf(stage, res, {
              isForced: forced.has(stage.id),
              isNoCache: options.isNoCache,
              willRun,
              reuse,
            }),
          );
      }
    }
  } finally {
    await res.close();
  }
  return out;
}

interface Reuse {
  records: Map<string, StageRecord>;
  /** Outputs that would be restored: path -> hash. */
  pending: Map<string, string>;
}

async function statusOf(
  stage: StagePlan,
  res: Resources,
  pass: { isForced: boolean; isNoCache: boolean; willRun: Set<string>; reuse: Reuse },
): Promise<StageStatus> {
  const { isForced, isNoCache, willRun, reuse } = pass;
  const base = { pipeline: stage.pipeline, stage: stage.name };
  const upstream = new Map<string, StageRecord>();
  for (const need of stage.definition.needs) {
    const id = `${stage.pipeline}/${need}`;
    const record = reuse.records.get(id) ?? res.state.get(id);
    if (record) upstream.set(need, record);
  }
  const rerunUpstream = stage.definition.needs.find((need) => willRun.has(`${stage.pipeline}/${need}`));
  const keyed = computeKey({ stage, upstream, res, pending: reuse.pending });
  const decision = await decide({ stage, keyed, isForced, isNoCache, res });
  if (decision.action === 'cached' || decision.action === 'restore') reuse.records.set(stage.id, decision.record);
  if (decision.action === 'restore') for (const output of decision.restore) reuse.pending.set(output.path, output.hash);
  const mark = (status: StageStatus): StageStatus => {
    if (status.wouldRun) willRun.add(stage.id);
    return status;
  };
  if (decision.action === 'fail') {
    if (rerunUpstream !== undefined) {
      const why: Why = { reason: 'upstream-will-run', stage: rerunUpstream };
      return mark({ ...base, wouldRun: true, action: 'run', reason: whyText(why), why });
    }
    return mark({ ...base, wouldRun: true, action: 'fail', reason: failureText(decision.failure) });
  }
  const hasOwnChange =
    decision.action === 'run' &&
    !(decision.why.reason === 'changed' && decision.why.changes.every((c) => c.kind === 'upstream'));
  if (rerunUpstream !== undefined && !hasOwnChange) {
    const why: Why = { reason: 'upstream-will-run', stage: rerunUpstream };
    return mark({ ...base, wouldRun: true, action: 'run', reason: whyText(why), why, key: decision.fingerprint });
  }
  const wouldRun = decision.action === 'run';
  return mark({
    ...base,
    wouldRun,
    action: decision.action,
    reason: whyText(decision.why),
    why: decision.why,
    key: decision.fingerprint,
  });
}
