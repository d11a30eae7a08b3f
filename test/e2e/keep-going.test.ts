import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      slow:',
  // Released by the test once the run has reported bad's failure: slow is still running then.
  '        shell: "while [ ! -e release ]; do sleep 0.05; done; touch slow.done"',
  '      bad:',
  '        shell: "exit 3"',
  '      child:',
  '        needs: [bad]',
  '        shell: "touch child.done"',
  '      later:',
  '        needs: [slow]',
  '        shell: "touch later.done"',
  '',
].join('\n');

describe('--keep-going', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  for (const flag of ['--keep-going', '-k']) {
    it(`(${flag}) finishes every branch not downstream of the failure, and still exits 1`, async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', PIPELINE);
      const badFailed = /"event":"stage:end"[^\n]*"stage":"bad"[^\n]*"outcome":"failed"/;
      const result = await ws.run(['exec', 'p', flag, '--jobs', '4', '--json'], {
        onStdout: (stdout) => {
          if (badFailed.test(stdout) && !ws.exists('release')) ws.write('release', '');
        },
      });
      expect(result.code).toBe(1);
      expect(outcomes(result.events)).toEqual({ bad: 'failed', child: 'blocked', slow: 'ran', later: 'ran' });
      expect(stageEnd(result.events, 'child').reason).toBe('upstream failed: p/bad');
      expect(ws.exists('slow.done')).toBe(true);
      expect(ws.exists('later.done')).toBe(true);
      expect(ws.exists('child.done')).toBe(false);
      const end = result.events.at(-1);
      expect(end?.event === 'run:end' && end.status).toBe('failed');
    });
  }
});
