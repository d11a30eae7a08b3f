// What a new user meets on the command line: a failing stage names the line
// of its code that threw, -f is read inside -C, a wrong stage name lists the
// right ones, and a selection of no stages is an error rather than a no-op.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { stageEnd, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      scan: { shell: "echo scan > scan.txt", outputs: [scan.txt] }
      summary: { needs: [scan], shell: "cat scan.txt > summary.txt", inputs: [scan.txt], outputs: [summary.txt] }
      bundle: { needs: [scan], shell: "cat scan.txt > bundle.txt", inputs: [scan.txt], outputs: [bundle.txt] }
`;

describe('the command line for a new user', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('shows where in the stage code a failure was thrown', async () => {
    ws = new Workspace();
    ws.write('package.json', '{ "type": "module" }\n');
    ws.write(
      'stages/throws.ts',
      "export async function s(): Promise<void> {\n  const n: number = 1;\n  if (n > 0) {\n    throw new Error('boom');\n  }\n}\n",
    );
    ws.write('pipelines.yaml', 'version: 1\npipelines:\n  t:\n    stages:\n      s: { run: stages/throws.ts#s }\n');
    const result = await ws.run(['exec', 't', '--json']);
    expect(result.code).toBe(1);
    expect(stageEnd(result.events, 's').reason).toBe('boom (at stages/throws.ts:4:11)');
    const plain = await ws.run(['exec', 't']);
    expect(plain.stderr).toContain('boom (at stages/throws.ts:4:11)');
  });

  it('reads -f relative to -C, as make and git do', async () => {
    ws = new Workspace();
    ws.write('sub/other.yaml', PIPELINE);
    const result = await ws.run(['-C', 'sub', '-f', 'other.yaml', 'exec', 'p']);
    expect(result.code, result.stderr).toBe(0);
    expect(ws.read('sub/summary.txt')).toBe('scan\n');
  });

  it('lists the stages there are when a stage name is wrong', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['exec', 'p', '--only', 'bundel']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--only bundel: no such stage in p');
    expect(result.stderr).toContain('(stages: scan, summary, bundle)');
  });

  it('refuses a selection that selects no stage, and says why', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['exec', 'p', '--from', 'summary', '--to', 'bundle']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--from summary --to bundle selects no stage of p: no stage is both downstream of --from and upstream of --to',
    );
    expect(ws.exists('scan.txt')).toBe(false);
  });

  it('tells how long each stage that ran held its job slot', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['exec', 'p', '--json']);
    const ends = result.events.filter((e): e is Extract<RunEvent, { event: 'stage:end' }> => e.event === 'stage:end');
    expect(ends).toHaveLength(3);
    for (const end of ends) {
      expect(end.slotMs).toBeTypeOf('number');
      expect(end.slotMs).toBeLessThanOrEqual(end.durationMs);
    }
  });
});
