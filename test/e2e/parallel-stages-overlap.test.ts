import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, Workspace } from './rig.js';
import { overlaps, spans, timed } from './timing.js';

function pipeline(seconds: number): string {
  return [
    'version: 1',
    'pipelines:',
    '  p:',
    '    stages:',
    `      a: { shell: '${timed('a', `sleep ${seconds}`)}' }`,
    `      b: { shell: '${timed('b', `sleep ${seconds}`)}' }`,
    '',
  ].join('\n');
}

describe('independent stages', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  // Default --jobs is the CPU count: with one CPU there is nothing to overlap.
  it.skipIf(os.availableParallelism() < 2)('run at the same time with the default --jobs', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', pipeline(2));
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(0);
    expect(outcomes(result.events)).toEqual({ a: 'ran', b: 'ran' });
    const times = spans(ws);
    const [a, b] = [times.get('a'), times.get('b')];
    if (!a || !b) throw new Error('missing spans');
    expect(overlaps(a, b)).toBe(true);
  });

  it('run one after the other with --jobs 1', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', pipeline(1));
    const result = await ws.run(['exec', 'p', '--jobs', '1', '--json']);
    expect(result.code).toBe(0);
    expect(outcomes(result.events)).toEqual({ a: 'ran', b: 'ran' });
    const start = result.events.find((e) => e.event === 'run:start');
    expect(start?.event === 'run:start' && start.jobs).toBe(1);
    const times = spans(ws);
    const [a, b] = [times.get('a'), times.get('b')];
    if (!a || !b) throw new Error('missing spans');
    expect(overlaps(a, b)).toBe(false);
  });
});
