// `runner graph`: the DAG as mermaid, dot or JSON, with each node's last
// outcome and duration when a run record has them.
import type { PipelinePlan } from '../config/types.js';
import { formatMs } from './format.js';
import type { RunRecord } from './run-record.js';

export type GraphFormat = 'mermaid' | 'dot' | 'json';

interface NodeView {
  name: string;
  kind: string;
  needs: string[];
  outcome?: string;
  durationMs?: number;
}

export function graphNodes(pipeline: PipelinePlan, lastRun?: RunRecord): NodeView[] {
  return [...pipeline.stages.values()].map((stage) => {
    const last = lastRun?.stages.find((s) => s.pipeline === pipeline.name && s.stage === stage.name);
    return {
      name: stage.name,
      kind: stage.definition.kind,
      needs: stage.definition.needs,
      outcome: last?.outcome,
      durationMs: last?.durationMs,
    };
  });
}

export function renderGraph(pipeline: PipelinePlan, format: GraphFormat, lastRun?: RunRecord): string {
  const nodes = graphNodes(pipeline, lastRun);
  const label = (n: NodeView): string =>
    n.outcome ? `${n.name}\\n${n.outcome}${n.durationMs !== undefined ? ` ${formatMs(n.durationMs)}` : ''}` : n.name;
  // Letters and digits as they are, any other character (`_` too) as `_` and its code: `a.b`, `a_b` and `a-b` stay apart.
  const id = (name: string): string =>
    `s_${name.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
  switch (format) {
    case 'json':
      return `${JSON.stringify({ pipeline: pipeline.name, nodes, edges: nodes.flatMap((n) => n.needs.map((from) => ({ from, to: n.name }))) }, null, 2)}\n`;
    case 'dot': {
      const lines = [`digraph "${pipeline.name}" {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
      for (const n of nodes)
        lines.push(
          `  ${id(n.name)} [label="${label(n)}"${n.outcome ? `, color="${OUTCOME_COLOURS[n.outcome] ?? 'black'}"` : ''}];`,
        );
      for (const n of nodes) for (const need of n.needs) lines.push(`  ${id(need)} -> ${id(n.name)};`);
      lines.push('}');
      return `${lines.join('\n')}\n`;
    }
    case 'mermaid': {
      const lines = ['flowchart LR'];
      for (const n of nodes) lines.push(`  ${id(n.name)}["${label(n).replace(/\\n/g, '<br/>')}"]`);
      for (const n of nodes) for (const need of n.needs) lines.push(`  ${id(need)} --> ${id(n.name)}`);
      for (const n of nodes) if (n.outcome) lines.push(`  class ${id(n.name)} ${n.outcome}`);
      if (nodes.some((n) => n.outcome)) {
        for (const [outcome, colour] of Object.entries(OUTCOME_COLOURS))
          lines.push(`  classDef ${outcome} stroke:${colour},stroke-width:2px`);
      }
      return `${lines.join('\n')}\n`;
    }
    default:
      return '';
  }
}

export const OUTCOME_COLOURS: Record<string, string> = {
  ran: '#2e7d32',
  cached: '#1565c0',
  restored: '#6a1b9a',
  failed: '#c62828',
  cancelled: '#757575',
  blocked: '#ef6c00',
};
