import { describe, expect, it } from 'vitest';
import { selectStages } from '../../src/graph/dag.js';
import { graphOf, PIPELINE, sorted } from './helpers.js';

describe('--to', () => {
  const graph = graphOf(PIPELINE);

  it('selects the stage and everything it needs, transitively', () => {
    expect(sorted(selectStages(graph, { to: ['lint'] }))).toEqual(['fetch', 'lint', 'parse']);
  });

  it('selects both branches of a join', () => {
    expect(sorted(selectStages(graph, { to: ['report'] }))).toEqual(['fetch', 'index', 'lint', 'parse', 'report']);
  });

  it('selects only the stage itself at a source', () => {
    expect(sorted(selectStages(graph, { to: ['fetch'] }))).toEqual(['fetch']);
  });
});
