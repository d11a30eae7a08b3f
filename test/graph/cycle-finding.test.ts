import { describe, expect, it } from 'vitest';
import { findCycles } from '../../src/graph/dag.js';
import { graphOf, PIPELINE } from './helpers.js';

describe('cycle finding', () => {
  it('finds none in a DAG', () => {
    expect(findCycles(graphOf(PIPELINE))).toEqual([]);
  });

  it('gives a closed path along needs, starting at the first name', () => {
    // a needs b, b needs c, c needs a.
    expect(findCycles(graphOf({ c: ['a'], b: ['c'], a: ['b'], x: [] }))).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('gives one cycle per strongly connected part, sorted', () => {
    const cycles = findCycles(graphOf({ m: ['n'], n: ['m'], a: ['b'], b: ['a'], ok: ['a'] }));
    expect(cycles).toEqual([
      ['a', 'b', 'a'],
      ['m', 'n', 'm'],
    ]);
  });

  it('reports a stage that needs itself once', () => {
    expect(findCycles(graphOf({ a: ['a'], b: ['a'] }))).toEqual([['a', 'a']]);
  });

  it('follows needs, not any edge, inside a component with a chord', () => {
    // a needs b and c; b needs c; c needs a. Every consecutive pair must be a real need.
    const needs: Record<string, string[]> = { a: ['b', 'c'], b: ['c'], c: ['a'] };
    const [cycle] = findCycles(graphOf(needs));
    expect(cycle?.[0]).toBe('a');
    expect(cycle?.at(-1)).toBe('a');
    for (let i = 0; i + 1 < (cycle?.length ?? 0); i++) {
      const from = cycle?.[i] ?? '';
      expect(needs[from]).toContain(cycle?.[i + 1]);
    }
  });
});
