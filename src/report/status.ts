import type { StageStatus } from '../engine/status.js';

/** `runner status`: one line per stage, what would happen and why. */
export function renderStatusTable(statuses: readonly StageStatus[]): string {
  const width = Math.max(5, ...statuses.map((s) => `${s.pipeline}/${s.stage}`.length));
  const lines = statuses.map((s) => {
    const verdict =
      s.action === 'run'
        ? 'would run'
        : s.action === 'restore'
          ? 'restore'
          : s.action === 'fail'
            ? 'would fail'
            : 'cached';
    return `${`${s.pipeline}/${s.stage}`.padEnd(width)}  ${verdict.padEnd(10)}  ${s.reason}`;
  });
  const running = statuses.filter((s) => s.wouldRun).length;
  lines.push(`${running} of ${statuses.length} stage${statuses.length === 1 ? '' : 's'} would run`);
  return `${lines.join('\n')}\n`;
}
