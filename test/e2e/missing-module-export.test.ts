import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      nomodule:',
  '        run: stages/nope.ts#build',
  '      noexport:',
  '        run: stages/real.mjs#bulid',
  '',
].join('\n');

describe('a run: module that is missing, or lacks the export', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  async function runIt() {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('stages/real.mjs', 'export function build() { return []; }\nexport const other = 1;\n');
    const result = await ws.run(['exec', 'p', '--keep-going', '--json']);
    expect(result.code).toBe(1);
    expect(outcomes(result.events)).toEqual({ nomodule: 'failed', noexport: 'failed' });
    return result;
  }

  it('fails the stage (exit 1) without retrying', async () => {
    const result = await runIt();
    expect(stageEnd(result.events, 'nomodule').failure?.kind).toBe('bad-module');
    expect(stageEnd(result.events, 'nomodule').attempts).toBe(1);
  });

  it('names the missing module and says it does not exist', async () => {
    const result = await runIt();
    const reason = stageEnd(result.events, 'nomodule').reason;
    expect(reason).toContain('stages/nope.ts');
    expect(reason).toMatch(/does not exist/);
    expect(reason).not.toContain('node_modules');
  });

  it('names the module, the missing export and the exports it has', async () => {
    const result = await runIt();
    expect(stageEnd(result.events, 'noexport').reason).toBe(
      'stages/real.mjs has no export "bulid" (it exports: build, other)',
    );
  });
});
