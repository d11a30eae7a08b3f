// What the daemon's vouching e2e tests share: a run's run:end event, and
// the no-ops answered until one vouches for files.
import { expect } from 'vitest';
import type { RunEndEvent } from '../../src/engine/events.js';
import { DAEMON, outcomes, runStart } from './rig.js';
import type { CliResult, Workspace } from './rig.js';

/** The map stage of countPipeline (many-files.ts): each file's text through ctx.read. */
export const READ_WORK = `export function count(item, ctx) {
  return { path: item.path, text: ctx.read(item, 'utf8') };
}
`;

export const runEnd = (result: CliResult): RunEndEvent | undefined =>
  result.events.find((event): event is RunEndEvent => event.event === 'run:end');

/**
 * No-ops of pipeline `p` answered by the daemon until one vouches for files: its watches begin after its
 * first run, and a run kept after them is vouched for by the third answer at the latest. Each no-op's
 * stages end as `cached` says. How many files the one that vouched vouched for.
 */
export async function vouchedNoop(ws: Workspace, cached: Record<string, string>): Promise<number | undefined> {
  let vouched: number | undefined;
  for (let turn = 0; turn < 3 && vouched === undefined; turn++) {
    const noop = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(noop.code, noop.stderr).toBe(0);
    expect(runStart(noop.events)?.daemon).toBe(true);
    expect(outcomes(noop.events)).toEqual(cached);
    vouched = runEnd(noop)?.filesVouched;
  }
  return vouched;
}
