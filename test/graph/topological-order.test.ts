import { describe, expect, it } from 'vitest';
import { topologicalOrder } from '../../src/graph/dag.js';
import { graphOf, PIPELINE } from './helpers.js';

function expectNeedsFirst(order: string[], needs: Record<string, string[]>): void {
  expect([...order].sort()).toEqual(Object.keys(needs).sort());
  for (const [stage, list] of Object.entries(needs)) {
    for (const need of list) expect(order.indexOf(need), `${need} before ${stage}`).toBeLessThan(order.indexOf(stage));
  }
}

describe('topological order', () => {
  it('puts every stage after the stages it needs', () => {
    expectNeedsFirst(topologicalOrder(graphOf(PIPELINE)), PIPELINE);
  });

  it('handles a chain declared backwards', () => {
    const needs = { d: ['c'], c: ['b'], b: ['a'], a: [] };
    expect(topologicalOrder(graphOf(needs))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('is empty for an empty graph', () => {
    expect(topologicalOrder(graphOf({}))).toEqual([]);
  });

  it('refuses a graph with a cycle', () => {
    expect(() => topologicalOrder(graphOf({ a: ['b'], b: ['a'] }))).toThrow();
  });

  it('ignores needs naming stages outside the graph', () => {
    expect(topologicalOrder(graphOf({ a: ['elsewhere'] }))).toEqual(['a']);
  });
});
