// Each package's view of the workspace graph: its direct workspace
// dependencies (dev ones marked), its direct dependents, and the subgraph
// its README draws: the package, everything below it, and one level of
// dependents, with the edges among them and nothing about unrelated packages.
import { describe, expect, it } from 'vitest';
import { workspaceLinks } from '../../runners/readmeflow/graph.js';

const pkg = (name: string, deps: [string, boolean][] = []) => ({
  name,
  dir: `packages/${name}`,
  dependencies: deps.map(([dep, isDev]) => ({ name: dep, isDev })),
});

describe('workspace graph view', () => {
  const links = workspaceLinks([
    pkg('app', [
      ['ui', false],
      ['util', false],
      ['react', false],
    ]),
    pkg('ui', [
      ['util', false],
      ['test-kit', true],
    ]),
    pkg('util'),
    pkg('test-kit', [['util', false]]),
    pkg('docs', [['app', true]]),
    pkg('other'),
  ]);

  it('lists direct dependencies and dependents, workspace packages only', () => {
    expect(links.get('ui')?.dependencies).toEqual([
      { name: 'test-kit', dir: 'packages/test-kit', isDev: true },
      { name: 'util', dir: 'packages/util', isDev: false },
    ]);
    expect(links.get('ui')?.dependents).toEqual([{ name: 'app', dir: 'packages/app' }]);
    expect(links.get('app')?.dependencies.map((d) => d.name)).toEqual(['ui', 'util']);
  });

  it('draws the tree below a package and one level above it', () => {
    const graph = links.get('ui')?.graph;
    expect(graph?.nodes.map((n) => n.name)).toEqual(['app', 'test-kit', 'ui', 'util']);
    expect(graph?.edges.map((e) => `${e.from}${e.isDev ? ' -.-> ' : ' --> '}${e.to}`)).toEqual([
      'app --> ui',
      'test-kit --> util',
      'ui -.-> test-kit',
      'ui --> util',
    ]);
  });

  it('gives an unconnected package an empty view', () => {
    expect(links.get('other')).toEqual({
      dependencies: [],
      dependents: [],
      graph: { nodes: [{ name: 'other', dir: 'packages/other' }], edges: [] },
    });
  });
});
