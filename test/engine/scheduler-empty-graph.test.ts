import { describe, expect, it } from 'vitest';
import { schedule } from '../../src/engine/scheduler.js';

describe('an empty graph', () => {
  it('resolves at once without visiting or skipping anything', async () => {
    const calls: string[] = [];
    const result = await schedule({
      nodes: [],
      isKeepGoing: false,
      visit: async (id) => {
        calls.push(`visit ${id}`);
        return 'ok';
      },
      skip: (id) => calls.push(`skip ${id}`),
    });
    expect(result).toEqual({ failed: [], isInterrupted: false });
    expect(calls).toEqual([]);
  });
});
