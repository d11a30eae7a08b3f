// The two drawings of the HTML report, as inline SVG strings: the DAG with
// nodes coloured by outcome, and the timeline (one bar per executed stage
// on a shared time axis, plus how many stages ran at once).
import { formatMs } from './format.js';
import { OUTCOME_COLOURS } from './graph.js';
import { layeredLayout } from './layout.js';
import type { RunRecord, StageSummary } from './run-record.js';

const NOT_RUN = '#9e9e9e';
const NODE = { nodeWidth: 180, nodeHeight: 46, gapX: 56, gapY: 18 };

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function colourOf(outcome: string | undefined): string {
  return (outcome && OUTCOME_COLOURS[outcome]) || NOT_RUN;
}

export function stageId(stage: StageSummary): string {
  return `${stage.pipeline}/${stage.stage}`;
}

/** One drawing per pipeline, stacked. */
export function dagSvg(record: RunRecord): string {
  const blocks: string[] = [];
  let top = 0;
  let width = 0;
  for (const pipeline of record.pipelines) {
    const stages = record.stages.filter((s) => s.pipeline === pipeline);
    if (stages.length === 0) continue;
    const layout = layeredLayout(
      stages.map((s) => ({ id: s.stage, needs: s.needs })),
      NODE,
    );
    const y0 = top + (record.pipelines.length > 1 ? 22 : 0);
    const parts: string[] = [];
    if (record.pipelines.length > 1)
      parts.push(`<text class="pipeline-title" x="0" y="${top + 14}">${esc(pipeline)}</text>`);
    for (const edge of layout.edges) {
      const from = layout.nodes.get(edge.from);
      const to = layout.nodes.get(edge.to);
      if (from && to) parts.push(edgePath(from, to, edge.via, y0));
    }
    for (const stage of stages) {
      const node = layout.nodes.get(stage.stage);
      if (node) parts.push(nodeBox(stage, node.x, y0 + node.y));
    }
    blocks.push(parts.join('\n'));
    top = y0 + layout.height + 28;
    width = Math.max(width, layout.width);
  }
  const height = Math.max(0, top - 28);
  return (
    `<svg id="dag" xmlns="http://www.w3.org/2000/svg" width="${width + 8}" height="${height + 8}" viewBox="-4 -4 ${width + 8} ${height + 8}" role="img" aria-label="pipeline graph">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#78909c"/></marker></defs>\n` +
    `${blocks.join('\n')}\n</svg>`
  );
}

/** An edge through each layer it crosses as a straight run, curving between them. */
function edgePath(
  from: { x: number; y: number },
  to: { x: number; y: number },
  via: readonly { x: number; y: number }[],
  y0: number,
): string {
  const points = [
    { x: from.x + NODE.nodeWidth, y: y0 + from.y + NODE.nodeHeight / 2 },
    ...via.flatMap((p) => [
      { x: p.x, y: y0 + p.y },
      { x: p.x + NODE.nodeWidth, y: y0 + p.y },
    ]),
    { x: to.x - 4, y: y0 + to.y + NODE.nodeHeight / 2 },
  ];
  let d = `M${points[0]?.x ?? 0} ${points[0]?.y ?? 0}`;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    if (!a || !b) continue;
    const dx = (b.x - a.x) / 2;
    d += i % 2 === 1 ? ` C${a.x + dx} ${a.y}, ${b.x - dx} ${b.y}, ${b.x} ${b.y}` : ` L${b.x} ${b.y}`;
  }
  return `<path class="edge" d="${d}" marker-end="url(#arrow)"/>`;
}

/** A stage's box: its name and what it came to, coloured by outcome. */
function nodeBox(stage: StageSummary, x: number, y: number): string {
  const colour = colourOf(stage.outcome);
  const detail = stage.outcome
    ? `${stage.outcome}${stage.durationMs !== undefined ? ` · ${formatMs(stage.durationMs)}` : ''}`
    : 'not run';
  return (
    `<g class="node" data-stage="${esc(stageId(stage))}" data-outcome="${esc(stage.outcome ?? 'none')}" tabindex="0">` +
    `<title>${esc(`${stageId(stage)}: ${stage.reason ?? detail}`)}</title>` +
    `<rect x="${x}" y="${y}" width="${NODE.nodeWidth}" height="${NODE.nodeHeight}" rx="8" fill="${colour}" fill-opacity="0.13" stroke="${colour}" stroke-width="2"/>` +
    `<text x="${x + 10}" y="${y + 19}" class="node-name">${esc(clip(stage.stage, 22))}</text>` +
    `<text x="${x + 10}" y="${y + 36}" class="node-detail" fill="${colour}">${esc(detail)}</text></g>`
  );
}

/** Stages that did work this run: one timeline bar each. Cache hits and stages that never started have none. */
export function executedStages(record: RunRecord): StageSummary[] {
  return record.stages
    .filter((s) => s.startMs !== undefined && s.endMs !== undefined)
    .filter(
      (s) =>
        s.outcome === 'ran' ||
        s.outcome === 'failed' ||
        s.outcome === 'restored' ||
        (s.outcome === 'cancelled' && s.peakRssBytes !== undefined),
    )
    .sort((a, b) => span(a)[0] - span(b)[0] || stageId(a).localeCompare(stageId(b)));
}

const LANE = { label: 190, chart: 720, row: 24, bar: 16, axis: 26, strip: 48 };

export function timelineSvg(record: RunRecord): string {
  const stages = executedStages(record);
  const endMs = Math.max(1, record.durationMs ?? 0, ...stages.map((s) => s.endMs ?? 0));
  const scale = (ms: number): number => LANE.label + (ms / endMs) * LANE.chart;
  const lanesHeight = stages.length * LANE.row;
  const axisY = lanesHeight + 4;
  // Grid first, so the bars are drawn over it.
  const parts: string[] = [
    `<line class="axis" x1="${LANE.label}" y1="${axisY}" x2="${LANE.label + LANE.chart}" y2="${axisY}"/>`,
  ];
  for (const tick of ticks(endMs)) {
    const x = scale(tick).toFixed(1);
    parts.push(
      `<line class="tick" x1="${x}" y1="0" x2="${x}" y2="${axisY + 4}"/><text class="tick-label" x="${x}" y="${axisY + 17}" text-anchor="middle">${esc(formatMs(tick))}</text>`,
    );
  }
  stages.forEach((stage, row) => {
    const y = row * LANE.row;
    const [start, end] = span(stage);
    const x = scale(start);
    const w = Math.max(2, scale(end) - x);
    const colour = colourOf(stage.outcome);
    parts.push(
      `<g class="lane" data-stage="${esc(stageId(stage))}"><text class="lane-label" x="${LANE.label - 8}" y="${y + LANE.bar - 3}" text-anchor="end">${esc(clip(stageId(stage), 28))}</text>` +
        `<rect class="bar" data-stage="${esc(stageId(stage))}" x="${x.toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${LANE.bar}" rx="3" fill="${colour}"><title>${esc(`${stageId(stage)}: ${stage.outcome} ${formatMs(end - start)} (from ${formatMs(start)} to ${formatMs(end)})`)}</title></rect>` +
        `<text class="bar-label" x="${(x + w + 4).toFixed(1)}" y="${y + LANE.bar - 3}">${esc(formatMs(end - start))}</text></g>`,
    );
  });
  const strip = concurrency(stages);
  const peak = Math.max(1, ...strip.map(([, n]) => n));
  const stripTop = axisY + LANE.axis;
  const yOf = (n: number): number => stripTop + LANE.strip - (n / peak) * LANE.strip;
  const path = [
    `M${scale(0)} ${yOf(0)}`,
    ...strip.flatMap(([at, n], i) => [
      `L${scale(at).toFixed(1)} ${yOf(strip[i - 1]?.[1] ?? 0).toFixed(1)}`,
      `L${scale(at).toFixed(1)} ${yOf(n).toFixed(1)}`,
    ]),
    `L${scale(endMs)} ${yOf(0)}`,
    'Z',
  ];
  parts.push(
    `<text class="lane-label" x="${LANE.label - 8}" y="${stripTop + LANE.strip / 2 + 4}" text-anchor="end">running at once (peak ${peak})</text>`,
  );
  parts.push(`<path class="parallelism" d="${path.join(' ')}"/>`);
  const height = stripTop + LANE.strip + 4;
  const width = LANE.label + LANE.chart + 60;
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="timeline">\n${parts.join('\n')}\n</svg>`;
}

/**
 * When a stage ran, in ms since the run started. Its duration is the one the
 * engine measured (the same as in the tables), ending when the stage ended.
 */
export function span(stage: StageSummary): [number, number] {
  const end = stage.endMs ?? stage.startMs ?? 0;
  const start = stage.durationMs !== undefined ? Math.max(0, end - stage.durationMs) : (stage.startMs ?? end);
  return [start, end];
}

/** [time, stages running from then on], at every start and end. */
export function concurrency(stages: readonly StageSummary[]): [number, number][] {
  const changes: [number, number][] = [];
  for (const s of stages) {
    const [start, end] = span(s);
    changes.push([start, 1], [end, -1]);
  }
  // Ends before starts at the same instant: a stage that starts as another ends does not overlap it.
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  let running = 0;
  for (const [at, delta] of changes) {
    running += delta;
    if (out.at(-1)?.[0] === at) out[out.length - 1] = [at, running];
    else out.push([at, running]);
  }
  return out;
}

function ticks(endMs: number): number[] {
  const rough = endMs / 6;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const out: number[] = [];
  for (let t = 0; t <= endMs + 1e-9; t += step) out.push(Math.round(t));
  return out;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
