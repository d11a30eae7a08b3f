// Stage code run inline (on the runner's own thread) that calls
// process.exit() ends the runner mid-run: the command says so and exits 1,
// never 0 (which a CI job would read as success), or the code it was given.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const MODULE = `export const items = () => [{ id: 'a' }, { id: 'b' }];
export const quits = (item, ctx) => { if (item.id === 'b') process.exit(ctx.params.code); return item; };
`;

describe('stage code that calls process.exit()', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each([
    [0, 1],
    [3, 3],
  ])('exit(%i) mid-run: the command says the run did not finish and exits %i', async (code, expected) => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      `version: 1\npipelines:\n  p:\n    params: { code: ${code} }\n    stages:\n      items: { run: m.mjs#items }\n      quits: { run: m.mjs#quits, foreach: items, params: [code] }\n`,
    );
    const run = await ws.run(['exec', 'p']);
    expect(run.code).toBe(expected);
    expect(run.stderr).toContain(
      `runner: the process was made to exit (code ${code}) while the run was going: stage code calling process.exit()?`,
    );
  });
});
