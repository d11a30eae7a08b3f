// The runner killed (SIGKILL) while its `isolate: process` children
// compute: they have no one to answer, and end, quietly, as their channel
// to it closes, rather than compute on and print Node's trace
// (ERR_IPC_CHANNEL_CLOSED) into the terminal they share when they try to
// answer.
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, runAndSignal, waitFor, Workspace } from './rig.js';

// Each item says it started, then waits for the file 'go' (never written: only a child that ends stops waiting).
const MODULE = `import fs from 'node:fs';
export const items = () => Array.from({ length: 4 }, (_, i) => ({ id: 'i' + i }));
export async function work(item, ctx) {
  fs.appendFileSync(ctx.workspace.resolve('started.log'), process.pid + '\\n');
  while (!fs.existsSync(ctx.workspace.resolve('go'))) await new Promise((resolve) => setTimeout(resolve, 20));
  return { id: item.id };
}
`;

describe('the runner killed while its process children compute', () => {
  let ws: Workspace;
  afterEach(() => {
    ws.write('go', '');
    ws.remove();
  });

  it('leaves no child computing on, and no trace on the terminal', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      'version: 1\npipelines:\n  p:\n    stages:\n      items: { run: m.mjs#items }\n      work: { run: m.mjs#work, foreach: items, isolate: process, batchSize: 1 }\n',
    );
    const killed = await runAndSignal(ws, ['exec', 'p'], { whenExists: 'started.log', signal: 'SIGKILL' });
    expect(killed.code).toBeNull();
    const children = [...new Set(ws.read('started.log').trim().split('\n').map(Number))];
    expect(children.length).toBeGreaterThan(0);
    await waitFor(() => (children.some(isAlive) ? undefined : true), 20_000, 'the children to end');
    expect(killed.stderr).not.toMatch(/ERR_IPC_CHANNEL_CLOSED|Unhandled 'error' event/);
  });
});
