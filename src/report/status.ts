import type { StageStatus } from '../engine/status.js';

/** `runner status`: one line per stage, what would happen and why. */
export function renderStatusTable(statuses: readonly StageStatus[]): string {
  const width = statusWidth(statuses);
  const lines = statuses.map((s) => statusLine(s, width));
  lines.push(wouldRunCount(statuses));
  return `${lines.join('\n')}\n`;
}

/** The width of the stage column for these stages. */
export function statusWidth(statuses: readonly StageStatus[]): number {
  return Math.max(5, ...statuses.map((s) => `${s.pipeline}/${s.stage}`.length));
}

/** `p/stage   would run   reason`. */
export function statusLine(status: StageStatus, width: number): string {
  const verdict = VERDICTS[status.action];
  return `${`${status.pipeline}/${status.stage}`.padEnd(width)}  ${verdict.padEnd(10)}  ${status.reason}`;
}

export function wouldRunCount(statuses: readonly StageStatus[]): string {
  const running = statuses.filter((s) => s.wouldRun).length;
  return `${running} of ${statuses.length} stage${statuses.length === 1 ? '' : 's'} would run`;
}

const VERDICTS: Record<StageStatus['action'], string> = {
  run: 'would run',
  restore: 'restore',
  fail: 'would fail',
  cached: 'cached',
};
