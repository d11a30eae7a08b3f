import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

// Fails until it has been called three times; the counter file survives between attempts.
const FLAKY = 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]';

function pipeline(retries: number): string {
  return [
    'version: 1',
    'pipelines:',
    '  p:',
    '    stages:',
    '      flaky:',
    `        shell: '${FLAKY}'`,
    `        retries: ${retries}`,
    '',
  ].join('\n');
}

describe('retries', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('retries: 2 lets a command that succeeds on the 3rd attempt pass', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', pipeline(2));
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(0);
    expect(outcomes(result.events)).toEqual({ flaky: 'ran' });
    expect(stageEnd(result.events, 'flaky').attempts).toBe(3);
    expect(ws.read('count').trim()).toBe('3');
    const retryLines = result.events
      .filter((e) => e.event === 'stage:log' && e.stream === 'log')
      .map((e) => (e.event === 'stage:log' ? e.line : ''));
    expect(retryLines).toEqual([
      'attempt 1 of 3 failed (exit code 1); retrying',
      'attempt 2 of 3 failed (exit code 1); retrying',
    ]);
  });

  it('retries: 1 is not enough, and the stage fails after 2 attempts', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', pipeline(1));
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(1);
    const end = stageEnd(result.events, 'flaky');
    expect(end.outcome).toBe('failed');
    expect(end.reason).toBe('exit code 1');
    expect(end.attempts).toBe(2);
    expect(ws.read('count').trim()).toBe('2');
  });
});
