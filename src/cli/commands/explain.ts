// `runner status <pipeline> --explain` and `runner explain <pipeline> <stage>`:
// what would run and the full difference behind each rerun.
import { stageStatuses } from '../../engine/status.js';
import type { StageStatus } from '../../engine/status.js';
import { explanation, renderExplain } from '../../report/explain.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import {
  loadAnalysis,
  parseParams,
  noPipelineNamed,
  noStageNamed,
  requireStages,
  selectionFrom,
  sharedAccessFor,
  storeUrlFor,
} from '../load.js';
import type { GlobalOptions } from '../load.js';

export interface StatusFlags {
  json?: boolean;
  only?: string[];
  from?: string[];
  to?: string[];
  param?: string[];
  force?: boolean;
}

export async function statusExplainCommand(
  io: CliIo,
  global: GlobalOptions,
  pipelines: string[],
  flags: StatusFlags,
): Promise<number> {
  const statuses = await statusesFor(io, global, pipelines, flags);
  if (flags.json) io.stdout(`${JSON.stringify({ stages: statuses.map(explanation) })}\n`);
  else io.stdout(renderExplain(statuses));
  return EXIT.ok;
}

export async function explainCommand(
  io: CliIo,
  global: GlobalOptions,
  pipeline: string | undefined,
  stage: string | undefined,
  flags: { json?: boolean; param?: string[] },
): Promise<number> {
  if (pipeline === undefined) return noPipelineNamed(io, global, 'explain');
  if (stage === undefined) return noStageNamed(io, global, pipeline);
  // The stage and everything it needs: whether an upstream stage will run
  // decides what this one would do.
  const statuses = await statusesFor(io, global, [pipeline], { param: flags.param, to: [stage] }, [stage]);
  const status = statuses.find((s) => s.pipeline === pipeline && s.stage === stage);
  if (!status) return EXIT.usage;
  if (flags.json) io.stdout(`${JSON.stringify(explanation(status))}\n`);
  else io.stdout(renderExplain([status], { isSummary: false }));
  return EXIT.ok;
}

export async function statusesFor(
  io: CliIo,
  global: GlobalOptions,
  pipelines: string[],
  flags: StatusFlags,
  stages: string[] = [],
): Promise<StageStatus[]> {
  if (pipelines.length === 0) return noPipelineNamed(io, global, 'status');
  const analysis = await loadAnalysis(io, global, { paramOverrides: parseParams(flags.param), pipelines });
  requireStages(analysis, pipelines, stages, 'stage');
  const selection = selectionFrom(analysis, pipelines, flags);
  return stageStatuses({
    plan: analysis.plan,
    graphs: analysis.graphs,
    pipelines,
    selection,
    force: flags.force === true,
    isNoCache: false,
    storeUrl: storeUrlFor(analysis, io.env),
    shared: sharedAccessFor(analysis, io.env),
    emit: (event) => {
      if (event.event === 'warning') io.stderr(`warning: ${event.message}\n`);
    },
  });
}
