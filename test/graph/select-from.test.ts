import { describe, expect, it } from 'vitest';
import { selectStages } from '../../src/graph/dag.js';
import { graphOf, PIPELINE, sorted } from './helpers.js';

describe('--from', () => {
  const graph = graphOf(PIPELINE);

  it('selects the stage and everything downstream of it, transitively', () => {
    expect(sorted(selectStages(graph, { from: ['parse'] }))).toEqual(['index', 'lint', 'parse', 'report']);
  });

  it('selects only the stage itself at a sink', () => {
    expect(sorted(selectStages(graph, { from: ['report'] }))).toEqual(['report']);
  });

  it('unions several starting stages', () => {
    expect(sorted(selectStages(graph, { from: ['lint', 'docs'] }))).toEqual(['docs', 'lint', 'report']);
  });
});
