import { describe, expect, it } from 'vitest';
import { selectStages } from '../../src/graph/dag.js';
import { graphOf, PIPELINE, sorted } from './helpers.js';

describe('--only', () => {
  const graph = graphOf(PIPELINE);

  it('selects exactly the named stages, not their needs or dependents', () => {
    expect(sorted(selectStages(graph, { only: ['index'] }))).toEqual(['index']);
    expect(sorted(selectStages(graph, { only: ['lint', 'docs'] }))).toEqual(['docs', 'lint']);
  });

  it('selects every stage when no flag is given (or the lists are empty)', () => {
    expect(sorted(selectStages(graph, {}))).toEqual(sorted(Object.keys(PIPELINE)));
    expect(sorted(selectStages(graph, { only: [], from: [], to: [] }))).toEqual(sorted(Object.keys(PIPELINE)));
  });

  it('ignores names that are not stages of the graph', () => {
    expect(sorted(selectStages(graph, { only: ['nope', 'docs'] }))).toEqual(['docs']);
  });
});
