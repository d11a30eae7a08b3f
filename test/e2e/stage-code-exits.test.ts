// Stage code run inline (on the runner's own thread) that calls
// process.exit() does not end the runner (which would exit with the code it
// chose, 0 read as success by a CI job, with no summary and no run record):
// the item or stage that called it fails, saying so, and the run goes on,
// is recorded and exits 1; called where nothing catches what it throws (a
// timer's callback), it is told as a rejection nothing handled is. A
// promise it leaves rejected with nothing to handle it, or an exception
// nothing catches, does not end the runner with Node's raw trace: the run
// warns, naming where, and ends failed; the stages running then fail (a
// result kept would pass the next run), those finished before are recorded.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `export const items = () => [{ id: 'a' }, { id: 'b' }];
export const quits = (item, ctx) => { if (item.id === 'b') process.exit(ctx.params.code); return item; };
export async function later() {
  // Held until the exit's error has been reported (the runner's listener came first), not by a clock.
  const reported = new Promise((resolve) => process.once('uncaughtException', () => setImmediate(resolve)));
  setImmediate(() => process.exit(0));
  await reported;
  return [{ done: true }];
}
export async function throwsLater() {
  const reported = new Promise((resolve) => process.once('uncaughtException', () => setImmediate(resolve)));
  setImmediate(() => { throw new Error('timer boom'); });
  await reported;
  return [{ done: true }];
}
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

  it.each([0, 3])(
    'exit(%i) in an item: that item fails, saying so; the run goes on, is recorded and exits 1',
    async (code) => {
      ws = new Workspace();
      ws.write('m.mjs', MODULE);
      ws.write(
        'pipelines.yaml',
        `version: 1\npipelines:\n  p:\n    params: { code: ${code} }\n    stages:\n      items: { run: m.mjs#items }\n      quits: { run: m.mjs#quits, foreach: items, params: [code], cache: { scope: item } }\n`,
      );
      const run = await ws.run(['exec', 'p', '--json']);
      expect(run.code).toBe(1);
      const quits = stageEnd(run.events, 'quits');
      expect(quits.outcome).toBe('failed');
      expect(quits.items).toMatchObject({ total: 2, done: 1, failed: 1 });
      expect(quits.reason).toContain(
        `1 item failed; first: id=b: process.exit(${code}) was called: stage code ends by returning or throwing, not by ending the runner`,
      );
      expect(run.events.find((event) => event.event === 'run:end')).toMatchObject({ status: 'failed' });
      expect(run.stderr).not.toContain('the process was made to exit');
      // The item that returned is recorded: the next run computes only the other.
      const again = await ws.run(['exec', 'p', '--json']);
      expect(stageEnd(again.events, 'quits').items).toMatchObject({ cached: 1, failed: 1 });
    },
  );

  it.each([
    [
      'later',
      /^process\.exit\(0\) was called: .*, where nothing caught it \(at m\.mjs:\d+:\d+\); the run ends failed$/,
    ],
    [
      'throwsLater',
      /^an exception nothing caught \(in stage code\? a timer's or an event's callback\?\): timer boom \(at m\.mjs:\d+:\d+\); the run ends failed$/,
    ],
  ])(
    '%s (exit, or a throw, in a timer): the run warns where, the stage fails, the run is recorded',
    async (stage, warned) => {
      ws = new Workspace();
      ws.write('m.mjs', MODULE);
      ws.write('pipelines.yaml', `version: 1\npipelines:\n  p:\n    stages:\n      s: { run: m.mjs#${stage} }\n`);
      const run = await ws.run(['exec', 'p', '--json']);
      expect(run.code).toBe(1);
      const warning = run.events.find((event) => event.event === 'warning');
      expect(warning && 'message' in warning ? warning.message : '').toMatch(warned);
      expect(stageEnd(run.events, 's').outcome).toBe('failed');
      expect(run.events.find((event) => event.event === 'run:end')).toMatchObject({ status: 'failed' });
    },
  );

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
