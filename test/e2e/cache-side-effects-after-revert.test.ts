// A stage that writes files it does not declare (to keep people's edits in
// them) cannot have them restored: with `cache: { sideEffects: true }` it
// is reused only from its own last run here, so a revert rewrites them.
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function read(ctx) { return [{ text: fs.readFileSync(ctx.workspace.resolve('x.txt'), 'utf8') }]; }
export async function write(ctx) {
  for await (const record of ctx.upstream('read')) fs.writeFileSync(ctx.workspace.resolve('out.txt'), record.text);
}
`;
const pipeline = (sideEffects: boolean): string => `version: 1
pipelines:
  p:
    stages:
      read: { run: m.mjs#read, inputs: [x.txt] }
      write: { run: m.mjs#write, needs: [read], cache: { sideEffects: ${sideEffects} } }
`;

describe('a stage with undeclared side effects', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  const editAndRun = async (text: string): Promise<Record<string, string>> => {
    ws.write('x.txt', text);
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return outcomes(run.events);
  };

  it('runs again after a revert when it says so, and rewrites its files', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', pipeline(true));
    await editAndRun('one');
    await editAndRun('two');
    const reverted = await editAndRun('one');
    expect(reverted).toEqual({ read: 'cached', write: 'ran' });
    expect(ws.read('out.txt')).toBe('one');
    expect(await editAndRun('one')).toEqual({ read: 'cached', write: 'cached' });
  });

  it('is reused from the store after a revert when it does not say so (its files stay stale)', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', pipeline(false));
    await editAndRun('one');
    await editAndRun('two');
    expect(await editAndRun('one')).toEqual({ read: 'cached', write: 'cached' });
    expect(ws.read('out.txt')).toBe('two');
  });
});
