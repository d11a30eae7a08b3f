import { describe, expect, it } from 'vitest';
import type { StageContext } from '../../src/api.js';
import { itemContextOf } from '../../src/engine/map/definition.js';

describe('itemContextOf: the context each item of a map stage gets', () => {
  it("is the stage's context with the item's index, a new object per item", () => {
    const log = (): void => {};
    const ctx: StageContext = {
      pipeline: 'p',
      stage: 's',
      params: { n: 1 },
      inputs: [],
      outputs: ['out.txt'],
      env: { A: '1' },
      signal: new AbortController().signal,
      upstream: () => (async function* () {})(),
      log,
      progress: () => {},
      workspace: { root: '/w', stateDir: '/w/.runner', tmp: '/tmp/w', resolve: (file) => `/w/${file}` },
      memo: { get: async () => undefined, set: async () => {} },
      read: (() => '') as unknown as StageContext['read'],
      code: 'c'.repeat(64),
    };
    const contextAt = itemContextOf(ctx);
    const first = contextAt(0);
    const second = contextAt(41);
    expect(first).toStrictEqual({ ...ctx, index: 0 });
    expect(second).toStrictEqual({ ...ctx, index: 41 });
    expect(Object.keys(second)).toEqual([...Object.keys(ctx), 'index']);
    // An item that writes to its context does not reach the next item's, nor the stage's.
    (first as { stage: string }).stage = 'changed';
    expect(contextAt(2).stage).toBe('s');
    expect(ctx.stage).toBe('s');
  });
});
