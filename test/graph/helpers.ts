import { buildGraph } from '../../src/graph/dag.js';
import type { Graph } from '../../src/graph/dag.js';

/** A graph from `{ stage: [needs...] }`. */
export function graphOf(needs: Record<string, string[]>): Graph {
  return buildGraph(Object.entries(needs).map(([name, list]) => ({ name, needs: list })));
}

/**
 *   fetch ──► parse ──► index ──► report
 *                 └───► lint ──────┘
 *   docs (independent)
 */
export const PIPELINE = {
  fetch: [],
  parse: ['fetch'],
  index: ['parse'],
  lint: ['parse'],
  report: ['index', 'lint'],
  docs: [],
};

export function sorted(names: Iterable<string>): string[] {
  return [...names].sort();
}
