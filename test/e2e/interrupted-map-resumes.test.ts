// Ctrl-C in the middle of a map stage: the items that finished stay in the
// item cache, so the next run computes only the rest. A stage of plain
// functions on the main thread, which never wait, is interrupted too.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TURN_MS } from '../../src/engine/map/compute.js';
import { runAndSignal, stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function* items() { for (let i = 0; i < 40; i++) yield { id: 'i' + i }; }
export async function slow(item, ctx) {
  // Item 12 on: the test interrupts once item 12 has been reached.
  if (item.id === 'i12') fs.writeFileSync(ctx.workspace.resolve('reached'), 'yes');
  await new Promise((resolve) => setTimeout(resolve, 40));
  fs.appendFileSync(ctx.workspace.resolve('computed.log'), item.id + '\\n');
  return { id: item.id };
}
`;

describe('an interrupted map stage', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('keeps its finished items: the rerun computes only the rest', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      `version: 1
pipelines:
  m:
    stages:
      items: { run: m.mjs#items }
      slow:
        run: m.mjs#slow
        foreach: items
        concurrency: 2
        batchSize: 2
        cache: { scope: item }
`,
    );
    const interrupted = await runAndSignal(ws, ['exec', 'm', '--json'], { whenExists: 'reached' });
    expect(interrupted.code).toBe(130);
    expect(stageEnd(interrupted.events, 'slow').outcome).toBe('cancelled');
    const computedLines = (): string[] => fs.readFileSync(ws.path('computed.log'), 'utf8').trim().split('\n');
    const before = computedLines().length;
    expect(before).toBeGreaterThanOrEqual(10);
    expect(before).toBeLessThan(40);

    const resumed = await ws.run(['exec', 'm', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const items = stageEnd(resumed.events, 'slow').items;
    expect(items.total).toBe(40);
    // Every item whose batch finished before the interrupt is reused.
    expect(items.cached).toBeGreaterThanOrEqual(10);
    expect(items.done).toBe(40);
    // The resumed run computed exactly the items that were not cached.
    expect(computedLines().length - before).toBe(40 - items.cached);
  });

  it('stops a stage of plain functions on the main thread, which never let the event loop turn of their own', async () => {
    ws = new Workspace();
    ws.write(
      'm.mjs',
      `import fs from 'node:fs';
export function* items() { for (let i = 0; i < 200; i++) yield { id: 'i' + i }; }
export function plain(item, ctx) {
  if (item.id === 'i12') {
    // Holds the main thread until the test has sent Ctrl-C, then ${TURN_MS * 3} ms more (past TURN_MS).
    fs.writeFileSync(ctx.workspace.resolve('reached'), 'yes');
    while (!fs.existsSync(ctx.workspace.resolve('release')));
    const until = performance.now() + ${TURN_MS * 3};
    while (performance.now() < until);
  }
  fs.appendFileSync(ctx.workspace.resolve('computed.log'), item.id + '\\n');
  return { id: item.id };
}
`,
    );
    ws.write(
      'pipelines.yaml',
      `version: 1
pipelines:
  m:
    stages:
      items: { run: m.mjs#items }
      plain:
        run: m.mjs#plain
        foreach: items
        isolate: inline
        batchSize: 50
        cache: { scope: item }
`,
    );
    const interrupted = await runAndSignal(ws, ['exec', 'm', '--json'], {
      whenExists: 'reached',
      afterSignal: () => ws.write('release', 'go'),
    });
    expect(interrupted.code).toBe(130);
    expect(stageEnd(interrupted.events, 'plain').outcome).toBe('cancelled');
    expect(fs.readFileSync(ws.path('computed.log'), 'utf8').trim().split('\n').length).toBeLessThan(200);
  });
});
