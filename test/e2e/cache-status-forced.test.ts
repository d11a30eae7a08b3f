// `exec --dry-run --force[=S]`: the same per-stage answer as status, with
// reason `forced` for what --force selects; nothing runs.
import { describe, expect, it } from 'vitest';
import { STAGES, warmDagWorkspace } from '../cache/dag-workspace.js';

interface DryRun {
  dryRun: true;
  stages: { stage: string; wouldRun: boolean; reason: string }[];
}

describe('dry run: forced', () => {
  it('--dry-run --force: every stage would run, reason `forced`, nothing ran', async () => {
    const ws = await warmDagWorkspace();
    const state = ws.read('.runner/state.json');
    const result = await ws.run(['exec', 'p', '--dry-run', '--force', '--json']);
    expect(result.code).toBe(0);
    const dry = JSON.parse(result.stdout) as DryRun;
    expect(dry.dryRun).toBe(true);
    expect(Object.fromEntries(dry.stages.map((s) => [s.stage, [s.wouldRun, s.reason]]))).toEqual(
      Object.fromEntries(STAGES.map((s) => [s, [true, 'forced']])),
    );
    expect(ws.exists('log.txt')).toBe(false);
    expect(ws.read('.runner/state.json')).toBe(state);
  });

  it('--dry-run --force=b2: b2 and b3 forced, the rest unchanged; the table says so too', async () => {
    const ws = await warmDagWorkspace();
    const json = JSON.parse((await ws.run(['exec', 'p', '--dry-run', '--force=b2', '--json'])).stdout) as DryRun;
    expect(Object.fromEntries(json.stages.map((s) => [s.stage, s.reason]))).toEqual({
      a1: 'unchanged',
      a2: 'unchanged',
      a3: 'unchanged',
      b1: 'unchanged',
      b2: 'forced',
      b3: 'forced',
    });
    const table = (await ws.run(['exec', 'p', '--dry-run', '--force=b2'])).stdout;
    expect(table).toMatch(/^p\/b2\s+would run\s+forced$/m);
    expect(table).toMatch(/^p\/a1\s+cached\s+unchanged$/m);
    expect(table).toContain('2 of 6 stages would run');
    expect(ws.exists('log.txt')).toBe(false);
  });
});
