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
  const out: StageStatus[] = [];
  try {
    for (const pipeline of options.pipelines) {
      const graph = options.graphs.get(pipeline);
      if (!graph) continue;
      for (const name of topologicalOrder(graph)) {
        const stage = byId.get(`${pipeline}/${name}`);
        if (stage) out.push(await statusOf(stage, res, forced.has(stage.id), options.isNoCache, willRun));
      }
    }
  } finally {
    await res.close();
  }
  return out;
}

async function statusOf(
  stage: StagePlan,
  res: Resources,
  isForced: boolean,
  isNoCache: boolean,
  willRun: Set<string>,
): Promise<StageStatus> {
  const base = { pipeline: stage.pipeline, stage: stage.name };
  const upstream = new Map<string, StageRecord>();
  for (const need of stage.definition.needs) {
    const record = res.state.get(`${stage.pipeline}/${need}`);
    if (record) upstream.set(need, record);
  }
  const rerunUpstream = stage.definition.needs.find((need) => willRun.has(`${stage.pipeline}/${need}`));
  const decision = await decide({ stage, keyed: computeKey({ stage, upstream, res }), isForced, isNoCache, res });
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
