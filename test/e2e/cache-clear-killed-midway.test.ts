// `runner cache clear` killed with SIGKILL after it removed the objects but
// before the rest: the next run must not find a workspace state naming an
// item manifest that is gone (it warned, and computed every item again as
// if the cache were damaged), and must end with a clean run's results.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

// Loaded into the runner: SIGKILLs it as it is about to remove a path matching KILL_AT.
const HOOK = `const fs = require('node:fs');
const at = process.env.KILL_AT && new RegExp(process.env.KILL_AT);
if (at && /runner\\.cjs$/.test(process.argv[1] ?? '')) {
  const original = fs.rmSync;
  fs.rmSync = function (target, ...rest) {
    if (at.test(String(target))) process.kill(process.pid, 'SIGKILL');
    return original.call(this, target, ...rest);
  };
}
`;
const MODULE = `import fs from 'node:fs';
export function* gen() { for (let i = 0; i < 3000; i++) yield { id: 'r' + i, n: i }; }
export function sq(r) { return { id: r.id, sq: r.n * r.n }; }
export async function sum(ctx) {
  let total = 0;
  for await (const r of ctx.upstream('sq')) total += r.sq;
  fs.writeFileSync(ctx.workspace.resolve('sum.txt'), String(total) + '\\n');
}
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      gen: { run: m.mjs#gen }
      sq: { run: m.mjs#sq, foreach: gen, batchSize: 100, cache: { scope: item } }
      sum: { run: m.mjs#sum, needs: [sq], outputs: [sum.txt] }
`;

describe('cache clear killed after removing the objects', () => {
  const made: Workspace[] = [];
  afterEach(() => {
    for (const ws of made.splice(0)) ws.remove();
  });

  it('leaves a cache the next run uses without a warning', async () => {
    const ws = new Workspace('runner-clear-killed-');
    made.push(ws);
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('m.mjs', MODULE);
    ws.write('hook.cjs', HOOK);
    const first = await ws.run(['exec', 'p', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const expected = ws.read('sum.txt');

    const cleared = await ws.run(['cache', 'clear'], {
      env: { NODE_OPTIONS: `--require ${ws.path('hook.cjs')}`, KILL_AT: '\\.runner/items$' },
    });
    expect(cleared.code, 'the clear was killed').toBeNull();
    expect(ws.exists('.runner/objects'), 'the objects were removed before the kill').toBe(false);

    const rerun = await ws.run(['exec', 'p', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.events.filter((e) => e.event === 'warning')).toEqual([]);
    expect(ws.read('sum.txt')).toBe(expected);
  }, 60_000);
});
