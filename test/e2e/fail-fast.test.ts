import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

// slow ──► later          (not downstream of the failure)
// bad  ──► child
const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      slow:',
  '        shell: "echo $$ > slow.pid; sleep 20; touch slow.done"',
  '      bad:',
  '        shell: "while [ ! -s slow.pid ]; do sleep 0.05; done; echo broken >&2; exit 3"',
  '      child:',
  '        needs: [bad]',
  '        shell: "touch child.done"',
  '      later:',
  '        needs: [slow]',
  '        shell: "touch later.done"',
  '',
].join('\n');

describe('fail-fast (the default)', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it("cancels running stages, blocks the failure's dependents, cancels the rest, exits 1", async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['exec', 'p', '--jobs', '4', '--json']);
    expect(result.code).toBe(1);
    expect(outcomes(result.events)).toEqual({ bad: 'failed', child: 'blocked', slow: 'cancelled', later: 'cancelled' });
    expect(stageEnd(result.events, 'bad').reason).toBe('exit code 3');
    expect(stageEnd(result.events, 'bad').failure).toEqual({ kind: 'exit-non-zero', code: 3, stderrTail: ['broken'] });
    expect(stageEnd(result.events, 'child').reason).toBe('upstream failed: p/bad');
    expect(stageEnd(result.events, 'later').reason).toBe('not started: p/bad failed');
    const end = result.events.at(-1);
    expect(end?.event === 'run:end' && end.status).toBe('failed');
    expect(end?.event === 'run:end' && end.counts).toEqual({
      ran: 0,
      cached: 0,
      restored: 0,
      failed: 1,
      cancelled: 2,
      blocked: 1,
    });
    for (const file of ['slow.done', 'child.done', 'later.done']) expect(ws.exists(file)).toBe(false);
    expect(result.stderr).toContain('p/bad: FAILED');
  });
});
