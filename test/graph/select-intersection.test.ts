import { describe, expect, it } from 'vitest';
import { selectStages } from '../../src/graph/dag.js';
import { graphOf, PIPELINE, sorted } from './helpers.js';

describe('several selection flags', () => {
  const graph = graphOf(PIPELINE);

  it('--from and --to intersect into the stages between them', () => {
    expect(sorted(selectStages(graph, { from: ['parse'], to: ['report'] }))).toEqual([
      'index',
      'lint',
      'parse',
      'report',
    ]);
    expect(sorted(selectStages(graph, { from: ['parse'], to: ['lint'] }))).toEqual(['lint', 'parse']);
  });

  it('--only narrows a --from range', () => {
    expect(sorted(selectStages(graph, { only: ['fetch', 'lint'], from: ['parse'] }))).toEqual(['lint']);
  });

  it('can select nothing when the flags do not overlap', () => {
    expect(sorted(selectStages(graph, { from: ['index'], to: ['lint'] }))).toEqual([]);
    expect(sorted(selectStages(graph, { only: ['docs'], to: ['report'] }))).toEqual([]);
  });
});
