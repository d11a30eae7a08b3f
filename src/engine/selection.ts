// Which stages a run covers (--only/--from/--to over each pipeline's graph)
// and which of them --force[=S] recomputes: pure functions of the plan.
import type { ConfigPlan, StagePlan } from '../config/types.js';
import { descendants, selectStages } from '../graph/dag.js';
import type { Graph, Selection } from '../graph/dag.js';

export interface StageSelection {
  plan: ConfigPlan;
  graphs: ReadonlyMap<string, Graph>;
  pipelines: readonly string[];
  selection: Selection;
}

export function selectedStages(options: StageSelection): StagePlan[] {
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

/** true: every selected stage; a list: those stages and everything downstream of them. */
export function forcedStages(
  options: { graphs: ReadonlyMap<string, Graph>; force: boolean | readonly string[] },
  stages: readonly StagePlan[],
): Set<string> {
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
