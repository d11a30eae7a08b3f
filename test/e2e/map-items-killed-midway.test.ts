// A map stage killed outright (SIGKILL: no cleanup, the lock left behind)
// in the middle of its items: the batches it finished are in its item
// journal, so the next run computes only the rest, and exactly once. A
// stage whose emit takes the current item journals its raw results alone:
// the resumed run makes the journaled items' records again from them, with
// the items as they are now. Both hold with the items computed on the main
// thread and in worker threads (whose answers cross as one text a batch).
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runAndSignal, stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function* items() { for (let i = 0; i < 40; i++) yield { id: 'i' + i }; }
export async function slow(item, ctx) {
  if (item.id === 'i20' && fs.existsSync(ctx.workspace.resolve('hold'))) {
    fs.writeFileSync(ctx.workspace.resolve('reached'), 'yes');
    // Held here (a timer keeps the process alive) until the test kills the run.
    await new Promise(() => setInterval(() => {}, 60_000));
  }
  fs.appendFileSync(ctx.workspace.resolve('computed.log'), item.id + '\\n');
  return { id: item.id, twice: item.id + item.id };
}
export async function all(ctx) {
  const out = [];
  for await (const record of ctx.upstream('slow')) out.push(record.id);
  fs.writeFileSync(ctx.workspace.resolve('all.txt'), out.join(','));
}
`;

describe.each(['inline', 'worker'])('a map stage killed midway (isolate: %s)', (isolate) => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  /**
   * Runs pipeline m until item i20 holds, kills it (SIGKILL), lets `between`
   * change the workspace, runs it again: the rerun's counts for stage slow,
   * and how many items it computed.
   */
  async function killThenResume(between: () => void): Promise<{ cached: number; computedAgain: number }> {
    ws.write('hold', 'yes');
    const killed = await runAndSignal(ws, ['exec', 'm', '--json'], { whenExists: 'reached', signal: 'SIGKILL' });
    expect(killed.code).toBeNull();
    const before = computed().length;
    fs.rmSync(ws.path('hold'));
    between();
    const resumed = await ws.run(['exec', 'm', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const items = stageEnd(resumed.events, 'slow').items;
    expect(items).toMatchObject({ total: 40, done: 40, failed: 0 });
    return { cached: items.cached, computedAgain: computed().length - before };
  }

  const computed = (): string[] => fs.readFileSync(ws.path('computed.log'), 'utf8').trim().split('\n');
  const IDS = Array.from({ length: 40 }, (_, i) => `i${i}`);

  it('resumes from its journal: finished batches are reused, the rest computed once', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      `version: 1
pipelines:
  m:
    stages:
      items: { run: m.mjs#items }
      slow: { run: m.mjs#slow, foreach: items, isolate: ${isolate}, concurrency: 1, batchSize: 4, cache: { scope: item } }
      all: { run: m.mjs#all, needs: [slow] }
`,
    );
    const { cached, computedAgain } = await killThenResume(() => {});
    // Two batches run at once, so when i20 (batch 6) started, batches 1 to 4
    // (i0..i15) had finished and been journaled: at least those are reused.
    expect(cached).toBeGreaterThanOrEqual(16);
    // The rerun computed exactly the items it did not reuse.
    expect(computedAgain).toBe(40 - cached);
    expect(new Set(computed())).toEqual(new Set(IDS));
    expect(ws.read('all.txt')).toBe(IDS.join(','));
  });

  it('with a key and an emit, resumes from raw results: records made again from the items as they are now', async () => {
    ws = new Workspace();
    ws.write(
      'm.mjs',
      `import fs from 'node:fs';
export function* items(ctx) {
  const label = fs.readFileSync(ctx.workspace.resolve('label.txt'), 'utf8');
  for (let i = 0; i < 40; i++) yield { id: 'i' + i, label };
}
export const slow = {
  key: (item) => item.id,
  async run(item, ctx) {
    if (item.id === 'i20' && fs.existsSync(ctx.workspace.resolve('hold'))) {
      fs.writeFileSync(ctx.workspace.resolve('reached'), 'yes');
      await new Promise(() => setInterval(() => {}, 60_000));
    }
    fs.appendFileSync(ctx.workspace.resolve('computed.log'), item.id + '\\n');
    return { twice: item.id + item.id };
  },
  emit: (item, result) => ({ id: item.id, label: item.label, twice: result.twice }),
};
export async function all(ctx) {
  const out = [];
  for await (const record of ctx.upstream('slow')) out.push(record.id + ':' + record.label + ':' + record.twice);
  fs.writeFileSync(ctx.workspace.resolve('all.txt'), out.join(','));
}
`,
    );
    ws.write(
      'pipelines.yaml',
      `version: 1
pipelines:
  m:
    stages:
      items: { run: m.mjs#items, inputs: [label.txt] }
      slow: { run: m.mjs#slow, foreach: items, isolate: ${isolate}, concurrency: 1, batchSize: 4, cache: { scope: item } }
      all: { run: m.mjs#all, needs: [slow] }
`,
    );
    ws.write('label.txt', 'old');
    const { cached, computedAgain } = await killThenResume(() => ws.write('label.txt', 'new'));
    expect(cached).toBeGreaterThanOrEqual(16);
    expect(computedAgain).toBe(40 - cached);
    expect(ws.read('all.txt')).toBe(IDS.map((id) => `${id}:new:${id}${id}`).join(','));
  });
});
