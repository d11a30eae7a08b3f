// The HTML run report: one self-contained file (inline CSS, JS and SVG; it
// loads nothing at view time) rendered from a run record alone, so
// `runner report` can draw any past run. Sections: summary, DAG, timeline,
// per-stage table, why each stage ran, failures.
import type { Failure, RunEvent } from '../engine/events.js';
import { unreachable } from '../util/unreachable.js';
import { REPORT_CSS, REPORT_JS } from './html-assets.js';
import { colourOf, concurrency, dagSvg, esc, executedStages, span, stageId, timelineSvg } from './html-svg.js';
import { whyLines } from './explain.js';
import { outputNotWritten } from '../engine/reasons.js';
import { formatBytes, formatMs } from './format.js';
import type { RunRecord, StageSummary } from './run-record.js';

const LONG_WHY = 16;
const LOG_TAIL = 30;

export function renderHtmlReport(record: RunRecord): string {
  const title = `runner ${record.pipelines.join(', ')} · ${record.runId}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>${esc(record.pipelines.join(', '))}</h1>${summary(record)}</header>
<section id="graph-section"><h2>Graph</h2><div class="legend">${legend()}</div><div class="scroll">${dagSvg(record)}</div></section>
<section id="timeline-section"><h2>Timeline</h2>${parallelism(record)}<div class="scroll">${timelineSvg(record)}</div></section>
<section id="stages-section"><h2>Stages</h2>${stageTable(record)}</section>
${reasons(record)}
${failures(record)}
${warnings(record.events)}
<footer>run record <code>.runner/runs/${esc(record.runId)}.json</code> · command <code>runner ${esc(record.argv.join(' '))}</code></footer>
<script>${REPORT_JS}</script>
</body>
</html>
`;
}

function summary(record: RunRecord): string {
  const status = record.status ?? 'unfinished';
  const counts = record.counts
    ? Object.entries(record.counts)
        .filter(([, n]) => n > 0)
        .map(
          ([k, n]) =>
            `<span class="pill" style="border-color:${colourOf(k)};color:${colourOf(k)}">${n} ${esc(k)}</span>`,
        )
        .join(' ')
    : '';
  const facts: [string, string][] = [
    ['status', `<span class="status status-${esc(status)}">${esc(status)}</span>`],
    ['run', esc(record.runId)],
    ['started', esc(record.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))],
    ['duration', record.durationMs === undefined ? '-' : esc(formatMs(record.durationMs))],
    ['stages', counts || String(record.stages.length)],
    ['jobs', String(record.jobs)],
    ['peak memory', record.peakRssBytes ? esc(formatBytes(record.peakRssBytes)) : '-'],
    ['CPU', record.cpuUtilisation === undefined ? '-' : `${Math.round(record.cpuUtilisation * 100)}%`],
  ];
  return `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

function legend(): string {
  return ['ran', 'cached', 'restored', 'failed', 'cancelled', 'blocked', undefined]
    .map((o) => `<span><i style="background:${colourOf(o)}"></i>${o ?? 'not run'}</span>`)
    .join('');
}

function parallelism(record: RunRecord): string {
  const stages = executedStages(record);
  if (stages.length === 0)
    return '<p class="note">No stage did any work in this run: everything came from the cache.</p>';
  // Job slots bound what runs at once; restores and the recording after a stage's work take none.
  const inSlots = stages.flatMap((s) => {
    if (s.slotMs === undefined) return [];
    const [start] = span(s);
    return [{ ...s, durationMs: s.slotMs, endMs: start + s.slotMs }];
  });
  const peak = Math.max(0, ...concurrency(inSlots).map(([, n]) => n));
  const busy = inSlots.reduce((sum, s) => sum + (s.slotMs ?? 0), 0);
  const wall = record.durationMs ?? Math.max(...stages.map((s) => s.endMs ?? 0));
  const average = wall > 0 ? busy / wall : 0;
  const what = `${stages.length} stage${stages.length === 1 ? '' : 's'} did work`;
  if (inSlots.length === 0)
    return `<p class="note">${what}, all restored from the cache (restores take no job slot).</p>`;
  return `<p class="note">${what}; up to <b>${peak}</b> ran at once (jobs ${record.jobs}), <b>${average.toFixed(2)}</b> on average over ${esc(formatMs(wall))}.</p>`;
}

function stageTable(record: RunRecord): string {
  const head = [
    'stage',
    'outcome',
    'duration',
    'items',
    'ran',
    'hits',
    'misses',
    'failed',
    'peak memory',
    'throughput',
  ];
  const rows = record.stages.map((s) => {
    const items = s.items;
    const ran = items && items.total > 0 ? items.done - items.cached : undefined;
    const seconds = (s.durationMs ?? 0) / 1000;
    const throughput =
      ran !== undefined && seconds > 0 && ran > 0
        ? `${(ran / seconds).toFixed(ran / seconds >= 100 ? 0 : 1)} items/s`
        : '-';
    const cells = [
      `<td>${link(s)}</td>`,
      `<td><span class="dot" style="background:${colourOf(s.outcome)}"></span>${esc(s.outcome ?? 'not run')}</td>`,
      num(s.durationMs === undefined ? '-' : formatMs(s.durationMs)),
      num(items && items.total > 0 ? String(items.total) : '-'),
      num(ran === undefined ? '-' : String(ran)),
      num(String(s.cache.hits)),
      num(String(s.cache.misses)),
      num(items && items.total > 0 ? String(items.failed) : '-'),
      num(s.peakRssBytes ? formatBytes(s.peakRssBytes) : '-'),
      num(throughput),
    ];
    return `<tr data-stage="${esc(stageId(s))}">${cells.join('')}</tr>`;
  });
  return `<table class="stages"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function reasons(record: RunRecord): string {
  const reran = record.stages.filter(
    (s) => s.outcome === 'ran' || s.outcome === 'restored' || (s.outcome === 'failed' && s.why),
  );
  if (reran.length === 0) {
    const isAllCached = record.stages.every((s) => s.outcome === 'cached');
    const note = isAllCached ? 'Nothing ran: every stage was a cache hit.' : `Nothing ran: ${outcomeCounts(record)}.`;
    return `<section id="reasons-section"><h2>Why stages ran</h2><p class="note">${esc(note)}</p></section>`;
  }
  const items = reran.map((s) => {
    const lines = whyLines(s.why, s.stage);
    const pre = `<pre class="why">${esc(lines.join('\n'))}</pre>`;
    // A long list (hundreds of changed inputs) stays folded until asked for.
    const changes = s.why?.reason === 'changed' ? s.why.changes.length + (s.why.moreInputs ?? 0) : 0;
    const detail =
      lines.length === 0
        ? ''
        : lines.length > LONG_WHY
          ? `<details><summary>${changes} differences</summary>${pre}</details>`
          : pre;
    return `<li id="why-${esc(anchor(s))}" data-stage="${esc(stageId(s))}"><b>${esc(stageId(s))}</b> ${esc(s.outcome ?? '')}: ${esc(s.reason ?? '')}${detail}</li>`;
  });
  return `<section id="reasons-section"><h2>Why stages ran</h2><ul class="reasons">${items.join('')}</ul></section>`;
}

/** `2 cached, 1 failed, 3 blocked`: the stages of a run by outcome. */
function outcomeCounts(record: RunRecord): string {
  const counts = new Map<string, number>();
  for (const s of record.stages) counts.set(s.outcome ?? 'not run', (counts.get(s.outcome ?? 'not run') ?? 0) + 1);
  return [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
}

function failures(record: RunRecord): string {
  const failed = record.stages.filter((s) => s.outcome === 'failed' || s.outcome === 'blocked');
  if (failed.length === 0) return '';
  const items = failed.map((s) => {
    const lines = s.outcome === 'failed' ? failureLines(s, logLines(record.events, s)) : [];
    const detail = lines.length > 0 ? `<pre class="failure">${esc(lines.join('\n'))}</pre>` : '';
    return `<li id="failure-${esc(anchor(s))}" data-stage="${esc(stageId(s))}"><b>${esc(stageId(s))}</b> <span style="color:${colourOf(s.outcome)}">${esc(s.outcome ?? '')}</span>: ${esc(s.reason ?? '')}${detail}</li>`;
  });
  return `<section id="failures-section"><h2>Failures</h2><ul class="failures">${items.join('')}</ul></section>`;
}

function warnings(events: readonly RunEvent[]): string {
  const found = events.filter((e) => e.event === 'warning');
  if (found.length === 0) return '';
  const items = found.map((e) => `<li>${esc(`${e.stage ? `${e.pipeline}/${e.stage}: ` : ''}${e.message}`)}</li>`);
  return `<section id="warnings-section"><h2>Warnings</h2><ul>${items.join('')}</ul></section>`;
}

function logLines(events: readonly RunEvent[], stage: StageSummary): string[] {
  return events
    .filter((e) => e.event === 'stage:log' && e.pipeline === stage.pipeline && e.stage === stage.stage)
    .map((e) => (e.event === 'stage:log' ? `${e.stream === 'log' ? '' : `[${e.stream}] `}${e.line}` : ''));
}

/** A stage's name, linked to where the report says more about it. */
function link(stage: StageSummary): string {
  const name = esc(stageId(stage));
  if (stage.outcome === 'failed' || stage.outcome === 'blocked')
    return `<a href="#failure-${esc(anchor(stage))}">${name}</a>`;
  if (stage.outcome === 'ran' || stage.outcome === 'restored')
    return `<a href="#why-${esc(anchor(stage))}">${name}</a>`;
  return name;
}

function num(text: string): string {
  return `<td class="num">${esc(text)}</td>`;
}

function anchor(stage: StageSummary): string {
  return stageId(stage).replace(/[^A-Za-z0-9_-]/g, '_');
}

// What the report shows under a failed stage: the structured failure in
// words (stderr tail, failed items, error and stack) and its last log lines.
function failureLines(stage: StageSummary, log: readonly string[]): string[] {
  const lines = stage.failure ? details(stage.failure) : [];
  const tail = log.slice(-LOG_TAIL);
  // A shell stage's stderr tail and its logged stderr are the same lines.
  const failure = stage.failure;
  const isRepeat =
    failure?.kind === 'exit-non-zero' && tail.every((l) => failure.stderrTail.includes(l.replace(/^\[stderr\] /, '')));
  if (tail.length > 0 && !isRepeat) {
    lines.push(
      `last ${tail.length === log.length ? '' : `${tail.length} of ${log.length} `}log lines:`,
      ...tail.map((l) => `  ${l}`),
    );
  }
  if (stage.attempts !== undefined && stage.attempts > 1) lines.push(`after ${stage.attempts} attempts`);
  return lines;
}

function details(failure: Failure): string[] {
  switch (failure.kind) {
    case 'exit-non-zero':
      return failure.stderrTail.length > 0
        ? [`exit code ${failure.code}; stderr ends with:`, ...failure.stderrTail.map((l) => `  ${l}`)]
        : [`exit code ${failure.code}`];
    case 'killed':
      return [`killed by ${failure.signal}`];
    case 'timeout':
      return [`timed out after ${failure.afterMs} ms`];
    case 'error':
      return failure.stack ? failure.stack.split('\n') : [failure.message];
    case 'items-failed':
      return [
        `${failure.failed} item${failure.failed === 1 ? '' : 's'} failed; the first:`,
        ...failure.first.map((f) => `  ${f.item}: ${f.message}`),
      ];
    case 'output-not-written':
      return [outputNotWritten(failure)];
    case 'bad-module':
      return [failure.message];
    case 'upstream-missing':
      return [`needs ${failure.stage}, which has no cached result`];
    case 'upstream-records-lost': {
      const where = failure.problem === 'missing' ? 'gone from' : 'corrupt in';
      return [
        `the records of ${failure.stage} were ${where} .runner/objects`,
        `the next run of ${failure.stage} recomputes them`,
      ];
    }
    case 'input-missing':
      return [`input does not exist: ${failure.path}`];
    case 'cache-error':
      return [`cache: ${failure.message}`];
    default:
      return unreachable(failure);
  }
}
