import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      a:',
  '        shell: "echo a >> ran.txt"',
  '      b:',
  '        needs: [a]',
  '        shell: "echo b >> ran.txt"',
  '',
].join('\n');

describe('--dry-run', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('runs nothing and says what would run', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['exec', 'p', '--dry-run']);
    expect(result.code).toBe(0);
    expect(ws.exists('ran.txt')).toBe(false);
    const runs = ws.path('.runner', 'runs');
    expect(fs.existsSync(runs) ? fs.readdirSync(runs) : []).toEqual([]);
    expect(result.stdout).toMatch(/p\/a\s+would run\s+no cache entry/);
    expect(result.stdout).toMatch(/p\/b\s+would run\s+upstream will run: a/);
    expect(result.stdout).toMatch(/2 of 2 stages would run/);
  });

  it('with --json gives wouldRun per stage, and sees what a real run cached', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const before = JSON.parse((await ws.run(['exec', 'p', '--dry-run', '--json'])).stdout) as {
      stages: { stage: string; wouldRun: boolean }[];
    };
    expect(before.stages.map((s) => [s.stage, s.wouldRun])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(ws.exists('ran.txt')).toBe(false);

    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(ws.read('ran.txt')).toBe('a\nb\n');

    const after = JSON.parse((await ws.run(['exec', 'p', '--dry-run', '--json'])).stdout) as {
      stages: { stage: string; wouldRun: boolean; reason: string }[];
    };
    expect(after.stages.map((s) => [s.stage, s.wouldRun, s.reason])).toEqual([
      ['a', false, 'unchanged'],
      ['b', false, 'unchanged'],
    ]);
    expect(ws.read('ran.txt')).toBe('a\nb\n');
  });
});
