// list, validate, graph, status.
import path from 'node:path';
import { renderGraph } from '../../report/graph.js';
import type { GraphFormat } from '../../report/graph.js';
import { readRunRecord } from '../../report/run-record.js';
import { renderStatusTable } from '../../report/status.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError, warnOf } from '../io.js';
import { loadAnalysis, noPipelineNamed } from '../load.js';
import type { GlobalOptions } from '../load.js';
import { statusesFor } from './explain.js';
import type { StatusFlags } from './explain.js';

export async function listCommand(io: CliIo, global: GlobalOptions, flags: { json?: boolean }): Promise<number> {
  const { plan } = await loadAnalysis(io, global);
  const pipelines = [...plan.pipelines.values()].map((p) => ({
    name: p.name,
    description: p.description ?? '',
    stages: [...p.stages.keys()],
  }));
  if (flags.json) {
    io.stdout(`${JSON.stringify({ pipelines })}\n`);
    return EXIT.ok;
  }
  const width = Math.max(...pipelines.map((p) => p.name.length));
  for (const p of pipelines)
    io.stdout(`${p.name.padEnd(width)}  ${p.description}\n${' '.repeat(width)}  stages: ${p.stages.join(' ')}\n`);
  return EXIT.ok;
}

export async function validateCommand(io: CliIo, global: GlobalOptions): Promise<number> {
  const { plan } = await loadAnalysis(io, global, { isFresh: true });
  const stages = [...plan.pipelines.values()].reduce((n, p) => n + p.stages.size, 0);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  io.stdout(
    `${path.relative(io.cwd, plan.file) || plan.file} is valid: ${plural(plan.pipelines.size, 'pipeline')}, ${plural(stages, 'stage')}\n`,
  );
  return EXIT.ok;
}

export async function graphCommand(
  io: CliIo,
  global: GlobalOptions,
  pipeline: string | undefined,
  flags: { format?: string },
): Promise<number> {
  if (pipeline === undefined) return noPipelineNamed(io, global, 'graph');
  const format = (flags.format ?? 'mermaid') as GraphFormat;
  if (!['mermaid', 'dot', 'json'].includes(format))
    throw new UsageError(`--format ${format}: expected mermaid, dot or json`);
  const analysis = await loadAnalysis(io, global, { pipelines: [pipeline] });
  const plan = analysis.plan.pipelines.get(pipeline);
  if (!plan) return EXIT.usage;
  const lastRun = readRunRecord(path.join(analysis.plan.root, '.runner', 'runs'), { pipeline, onBadFile: warnOf(io) });
  io.stdout(renderGraph(plan, format, lastRun));
  return EXIT.ok;
}

export async function statusCommand(
  io: CliIo,
  global: GlobalOptions,
  pipelines: string[],
  flags: StatusFlags,
): Promise<number> {
  const statuses = await statusesFor(io, global, pipelines, flags);
  if (flags.json) io.stdout(`${JSON.stringify({ stages: statuses })}\n`);
  else io.stdout(renderStatusTable(statuses));
  return EXIT.ok;
}
