// The per-stage table printed after a run on a terminal: outcome, time,
// items ran/cached/failed and peak memory of every stage, in the order the
// stages finished. Plain text: the caller adds colour if it wants any.
import type { RunEndEvent, StageEndEvent, StageOutcome } from '../engine/events.js';
import { formatBytes, formatMs } from './format.js';

export interface StageRow {
  id: string;
  outcome: StageOutcome;
  durationMs: number;
  /** Items computed this run, taken from the cache, failed; undefined for stages without items. */
  items?: { ran: number; cached: number; failed: number };
  peakRssBytes?: number;
}

export function stageRow(event: StageEndEvent): StageRow {
  // items.done counts cached items too, never failed ones.
  const { items } = event;
  return {
    id: `${event.pipeline}/${event.stage}`,
    outcome: event.outcome,
    durationMs: event.durationMs,
    items:
      items.total > 0
        ? { ran: Math.max(0, items.done - items.cached), cached: items.cached, failed: items.failed }
        : undefined,
    peakRssBytes: event.peakRssBytes,
  };
}

const HEADER = ['stage', 'outcome', 'time', 'ran', 'cached', 'failed', 'peak mem'] as const;
/** Numbers read best right-aligned. */
const RIGHT = new Set<number>([2, 3, 4, 5, 6]);

export function renderStageTable(rows: readonly StageRow[]): string[] {
  const cells = rows.map((row) => [
    row.id,
    row.outcome,
    row.outcome === 'blocked' || (row.outcome === 'cancelled' && row.durationMs === 0) ? '-' : formatMs(row.durationMs),
    row.items ? String(row.items.ran) : '-',
    row.items ? String(row.items.cached) : '-',
    row.items ? String(row.items.failed) : '-',
    row.peakRssBytes ? formatBytes(row.peakRssBytes) : '-',
  ]);
  const all = [[...HEADER], ...cells];
  const widths = HEADER.map((_, column) => Math.max(...all.map((line) => (line[column] ?? '').length)));
  const render = (line: readonly string[]): string =>
    line
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return RIGHT.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return all.map(render);
}

/** The closing line of a run, the same words on a terminal and in plain logs. */
export function runEndLine(event: RunEndEvent): string {
  const parts = (['ran', 'restored', 'cached', 'failed', 'blocked', 'cancelled'] as const)
    .filter((k) => event.counts[k] > 0)
    .map((k) => `${event.counts[k]} ${k}`);
  return `${event.status} in ${formatMs(event.durationMs)}: ${parts.join(', ') || 'nothing to do'} (peak ${formatBytes(event.peakRssBytes)})`;
}
