// Stage code that can never finish, or that leaves something running after
// it did: the run still ends, says which stage or item hung, and the
// command exits with the run's status. In a worker thread or child process
// too: an item waiting on a promise nothing can settle fails there as it
// does in the main thread, with no timeout set.
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

const MODULE = `
export async function hang() { await new Promise(() => {}); }
export function* items() { for (let i = 0; i < 4; i++) yield { id: 'i' + i }; }
export async function hangOnI2(item) { if (item.id === 'i2') await new Promise(() => {}); return item; }
export async function deaf() { await new Promise(() => {}); }
export async function busyOnI2(item) { if (item.id === 'i2') await new Promise(() => { setInterval(() => {}, 60_000); }); return item; }
export async function waitOrHangOnI2(item) {
  if (item.id === 'i2') await new Promise(() => {});
  await new Promise((resolve) => setTimeout(resolve, 20));
  return item;
}
export async function leaky() { setInterval(() => {}, 60_000); return [{ ok: true }]; }
`;

const PIPELINE = `version: 1
pipelines:
  task:
    stages:
      a: { run: m.mjs#hang }
      b: { needs: [a], shell: "touch b.done" }
  map:
    stages:
      items: { run: m.mjs#items }
      m: { run: m.mjs#hangOnI2, foreach: items, batchSize: 2, retries: 1 }
  deaf:
    stages:
      a: { run: m.mjs#deaf, timeout: 300ms }
  leaky:
    stages:
      a: { run: m.mjs#leaky }
  worker:
    stages:
      items: { run: m.mjs#items }
      m: { run: m.mjs#busyOnI2, foreach: items, isolate: worker, timeout: 300ms }
  process:
    stages:
      items: { run: m.mjs#items }
      m: { run: m.mjs#busyOnI2, foreach: items, isolate: process, timeout: 300ms }
  workerStall:
    stages:
      items: { run: m.mjs#items }
      m: { run: m.mjs#waitOrHangOnI2, foreach: items, isolate: worker, batchSize: 2 }
  processStall:
    stages:
      items: { run: m.mjs#items }
      m: { run: m.mjs#waitOrHangOnI2, foreach: items, isolate: process, batchSize: 2 }
`;

const NEVER = 'never finished: its code is waiting on a promise that nothing can settle';

describe('stage code that never finishes', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  function workspace(): Workspace {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', PIPELINE);
    return ws;
  }

  it('a task waiting on a promise nothing can settle fails (it does not end the process with 0)', async () => {
    const result = await workspace().run(['exec', 'task', '--json']);
    expect(result.code).toBe(1);
    expect(outcomes(result.events)).toEqual({ a: 'failed', b: 'blocked' });
    expect(stageEnd(result.events, 'a').reason).toContain(NEVER);
    expect(result.events.at(-1)).toMatchObject({ event: 'run:end', status: 'failed' });
  });

  it('a map item that never finishes fails by its identity, its retry too; the other items stand', async () => {
    const result = await workspace().run(['exec', 'map', '--json']);
    expect(result.code).toBe(1);
    const m = stageEnd(result.events, 'm');
    expect(m.outcome).toBe('failed');
    expect(m.items).toMatchObject({ total: 4, failed: 1 });
    expect(m.reason).toContain(`id=i2: ${NEVER}`);
    expect(result.stderr).toContain(`item id=i2 failed: ${NEVER}`);
  });

  it('a task that ignores its signal still ends at its timeout', async () => {
    const result = await workspace().run(['exec', 'deaf', '--json']);
    expect(result.code).toBe(1);
    expect(stageEnd(result.events, 'a').reason).toBe('timeout after 300ms');
  });

  for (const isolate of ['worker', 'process']) {
    it(`an item in a ${isolate} waiting on a promise nothing can settle fails by its identity, with no timeout`, async () => {
      const result = await workspace().run(['exec', `${isolate}Stall`, '--json']);
      expect(result.code).toBe(1);
      const m = stageEnd(result.events, 'm');
      // The other items, waiting on timers, were not taken for stalled.
      expect(m).toMatchObject({ outcome: 'failed', items: { total: 4, failed: 1 } });
      expect(m.reason).toContain(`id=i2: ${NEVER}`);
    });

    it(`an item that ignores its signal in a ${isolate}, kept busy, still ends its stage at the timeout`, async () => {
      const result = await workspace().run(['exec', isolate, '--json']);
      expect(result.code).toBe(1);
      expect(stageEnd(result.events, 'm')).toMatchObject({ outcome: 'failed', reason: 'timeout after 300ms' });
    });
  }

  it('a timer left running by a stage does not keep the finished run alive', async () => {
    const result = await workspace().run(['exec', 'leaky', '--json']);
    expect(result.code).toBe(0);
    expect(outcomes(result.events)).toEqual({ a: 'ran' });
  });
});
