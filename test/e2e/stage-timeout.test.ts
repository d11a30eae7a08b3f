import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, outcomes, stageEnd, waitFor, Workspace } from './rig.js';

describe('a stage timeout', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('fails the stage with reason "timeout after 1s" and kills its command', async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      [
        'version: 1',
        'pipelines:',
        '  p:',
        '    stages:',
        '      slow:',
        '        shell: "sleep 5 & echo $! > sleep.pid; wait; touch finished"',
        '        timeout: 1s',
        '',
      ].join('\n'),
    );
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(1);
    expect(outcomes(result.events)).toEqual({ slow: 'failed' });
    const end = stageEnd(result.events, 'slow');
    expect(end.reason).toBe('timeout after 1s');
    expect(end.failure).toEqual({ kind: 'timeout', afterMs: 1000 });
    expect(ws.exists('finished')).toBe(false);
    const pid = Number(ws.read('sleep.pid'));
    await waitFor(() => (isAlive(pid) ? undefined : true), 5000, `sleep (pid ${pid}) to be gone`);
  });

  it('is per attempt: a retried stage times out on each attempt', async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      [
        'version: 1',
        'pipelines:',
        '  p:',
        '    stages:',
        '      slow:',
        '        shell: "echo x >> attempts; sleep 5"',
        '        timeout: 300ms',
        '        retries: 1',
        '',
      ].join('\n'),
    );
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(1);
    const end = stageEnd(result.events, 'slow');
    expect(end.reason).toBe('timeout after 300ms');
    expect(end.attempts).toBe(2);
    expect(ws.read('attempts')).toBe('x\nx\n');
  });

  it.each(['item', 'batch'])(
    'ends an inline map whose %s goes on and ignores ctx.signal, as it ends a task',
    async (kind) => {
      ws = new Workspace();
      ws.write(
        'm.mjs',
        [
          "import fs from 'node:fs';",
          "export const items = () => [{ id: 'a' }, { id: 'b' }];",
          // Busy until the test releases it, which it never does: the run must end it.
          "const held = () => new Promise((resolve) => { const t = setInterval(() => { if (fs.existsSync('release')) { clearInterval(t); resolve([]); } }, 20); });",
          'export const item = () => held();',
          'export const batch = { batch: () => held() };',
          'export const task = () => held();',
          '',
        ].join('\n'),
      );
      ws.write(
        'pipelines.yaml',
        [
          'version: 1',
          'pipelines:',
          '  p:',
          '    stages:',
          '      items: { run: m.mjs#items }',
          `      stuck: { run: m.mjs#${kind}, foreach: items, timeout: 300ms }`,
          '      task: { run: m.mjs#task, timeout: 300ms }',
          '',
        ].join('\n'),
      );
      const result = await ws.run(['exec', 'p', '--keep-going', '--json']);
      expect(result.code).toBe(1);
      expect(stageEnd(result.events, 'stuck').reason).toBe('timeout after 300ms');
      expect(stageEnd(result.events, 'task').reason).toBe('timeout after 300ms');
    },
  );
});
