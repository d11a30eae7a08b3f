// Stage code run inline (on the runner's own thread) that calls
// process.exit() ends the runner mid-run: the command says so and exits 1,
// never 0 (which a CI job would read as success), or the code it was given.
// A promise it leaves rejected with nothing to handle it does not end the
// runner with Node's raw trace: the run warns, naming where, and ends
// failed; the stages running then fail (a result kept would pass the next
// run), those finished before are recorded.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `export const items = () => [{ id: 'a' }, { id: 'b' }];
export const quits = (item, ctx) => { if (item.id === 'b') process.exit(ctx.params.code); return item; };
export async function floats() {
  // Held until the rejection below has been reported (the runner's listener came first), not by a clock.
  const reported = new Promise((resolve) => process.once('unhandledRejection', () => setImmediate(resolve)));
  Promise.reject(new Error('task boom'));
  await reported;
  return [{ done: true }];
}
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

  it('a rejection nothing handles: the run warns where it came from, the stage running then fails, the others are recorded', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      'version: 1\npipelines:\n  p:\n    stages:\n      items: { run: m.mjs#items }\n      floats: { run: m.mjs#floats, needs: [items] }\n',
    );
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await ws.run(['exec', 'p', '--json']);
      expect(run.code).toBe(1);
      const warning = run.events.find((event) => event.event === 'warning');
      expect(warning && 'message' in warning ? warning.message : '').toMatch(
        /^a promise was rejected with nothing to handle it \(in stage code\? an await missing\?\): task boom \(at m\.mjs:\d+:\d+\); the run ends failed$/,
      );
      expect(stageEnd(run.events, 'floats').outcome).toBe('failed');
      // The stage that finished before it is recorded: cached on the second run.
      expect(stageEnd(run.events, 'items').outcome).toBe(attempt === 0 ? 'ran' : 'cached');
      expect(run.events.find((event) => event.event === 'run:end')).toMatchObject({ status: 'failed' });
    }
  });
});
