import { describe, expect, it } from 'vitest';
import type { StageContext } from '../../src/api.js';
import { itemContextOf } from '../../src/engine/map/definition.js';

describe('itemContextOf: the context each item of a map stage gets', () => {
  it("is the stage's context with the item's index, a new object per item", () => {
    const log = (): void => {};
    const ctx = { pipeline: 'p', stage: 's', params: { n: 1 }, log } as unknown as StageContext;
    const contextAt = itemContextOf(ctx);
    const first = contextAt(0);
    const second = contextAt(41);
    expect(first).toEqual({ pipeline: 'p', stage: 's', params: { n: 1 }, log, index: 0 });
    expect(second).toEqual({ ...ctx, index: 41 });
    expect(Object.keys(second)).toEqual([...Object.keys(ctx), 'index']);
    // An item that writes to its context does not reach the next item's, nor the stage's.
    (first as { stage: string }).stage = 'changed';
    expect(contextAt(2).stage).toBe('s');
    expect(ctx.stage).toBe('s');
  });
});
