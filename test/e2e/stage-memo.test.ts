// ctx.memo: stage-local memoisation that survives runs (store-backed, with
// an in-memory LRU in front).
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export async function memoised(ctx) {
  const seen = await ctx.memo.get('answer');
  fs.appendFileSync(ctx.workspace.resolve('seen.log'), JSON.stringify(seen ?? null) + '\\n');
  if (seen === undefined) await ctx.memo.set('answer', { value: 42 });
  // Read back within the run: served from memory.
  const again = await ctx.memo.get('answer');
  return [{ again: again.value }];
}
`;

describe('ctx.memo', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('keeps a value across runs of the stage', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      'version: 1\npipelines:\n  p:\n    stages:\n      s: { run: m.mjs#memoised, cache: { policy: never } }\n',
    );
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(ws.read('seen.log')).toBe('null\n{"value":42}\n');
  });
});
