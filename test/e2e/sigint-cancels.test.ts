import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, outcomes, runAndSignal, stageEnd, waitFor, Workspace } from './rig.js';

const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      long:',
  // The shell writes its own pid and its sleeping child's, then waits on the child.
  '        shell: "sleep 30 & echo $$ > sh.pid; echo $! > sleep.pid; wait; touch finished"',
  '      next:',
  '        needs: [long]',
  '        shell: "touch next.done"',
  '',
].join('\n');

describe('Ctrl-C (SIGINT) during a long stage', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  // 128 plus the signal's number, as a shell reports a process the signal ended.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal}: exits ${code} quickly, ends the stage cancelled, and leaves no child process`, async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', PIPELINE);
      const result = await runAndSignal(ws, ['exec', 'p', '--json'], { whenExists: 'sleep.pid', signal });
      expect(result.code).toBe(code);
      // Far below the 30 s sleep: the runner did not wait for it.
      expect(result.exitAfterSignalMs).toBeLessThan(10_000);
      expect(outcomes(result.events)).toEqual({ long: 'cancelled', next: 'cancelled' });
      expect(stageEnd(result.events, 'long').reason).toBe('interrupted');
      const end = result.events.at(-1);
      expect(end?.event === 'run:end' && end.status).toBe('cancelled');
      expect(ws.exists('finished')).toBe(false);
      expect(ws.exists('next.done')).toBe(false);
      for (const file of ['sleep.pid', 'sh.pid']) {
        const pid = Number(ws.read(file));
        expect(pid).toBeGreaterThan(0);
        // SIGTERM goes to the group at once, SIGKILL after a grace period: poll briefly.
        // isAlive is process.kill(pid, 0), except that a zombie counts as gone: the
        // orphaned sleep is reparented to pid 1, which in some containers never reaps.
        await waitFor(() => (isAlive(pid) ? undefined : true), 5000, `${file} (${pid}) to be gone`);
      }
    });
  }
});
