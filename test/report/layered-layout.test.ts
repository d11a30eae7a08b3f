import { describe, expect, it } from 'vitest';
import { layeredLayout } from '../../src/report/layout.js';

const SIZES = { nodeWidth: 100, nodeHeight: 40, gapX: 50, gapY: 10 };

function layersOf(nodes: { id: string; needs: string[] }[]): string[][] {
  const layout = layeredLayout(nodes, SIZES);
  const layers: string[][] = [];
  for (const node of [...layout.nodes.values()].sort((a, b) => a.layer - b.layer || a.order - b.order)) {
    const layer = layers[node.layer] ?? [];
    layers[node.layer] = layer;
    layer.push(node.id);
  }
  return layers;
}

describe('layered DAG layout', () => {
  it('puts each node one layer right of its furthest need (longest path)', () => {
    expect(
      layersOf([
        { id: 'fetch', needs: [] },
        { id: 'parse', needs: ['fetch'] },
        { id: 'lint', needs: ['parse'] },
        { id: 'report', needs: ['parse', 'lint'] },
        { id: 'docs', needs: [] },
      ]),
    ).toEqual([['fetch', 'docs'], ['parse'], ['lint'], ['report']]);
  });

  it('orders a layer by where its needs are, so edges do not cross', () => {
    // b2 needs a1 (second), b1 needs a0 (first): b1 goes on top.
    expect(
      layersOf([
        { id: 'a0', needs: [] },
        { id: 'a1', needs: [] },
        { id: 'b2', needs: ['a1'] },
        { id: 'b1', needs: ['a0'] },
      ]),
    ).toEqual([
      ['a0', 'a1'],
      ['b1', 'b2'],
    ]);
  });

  it('gives coordinates from the sizes, centres short layers, and ignores needs outside the graph', () => {
    const layout = layeredLayout(
      [
        { id: 'a', needs: [] },
        { id: 'b', needs: [] },
        { id: 'c', needs: ['a', 'b', 'elsewhere'] },
      ],
      SIZES,
    );
    expect(layout.nodes.get('a')).toMatchObject({ x: 0, y: 0 });
    expect(layout.nodes.get('b')).toMatchObject({ x: 0, y: 50 });
    expect(layout.nodes.get('c')).toMatchObject({ x: 150, y: 25 });
    expect(layout.edges).toEqual([
      { from: 'a', to: 'c', via: [] },
      { from: 'b', to: 'c', via: [] },
    ]);
    expect([layout.width, layout.height]).toEqual([250, 90]);
  });

  it('routes an edge that skips layers through a slot of its own in each layer between', () => {
    // lint -> report skips the layers of embed and cluster: it gets a lane below them, not through them.
    const layout = layeredLayout(
      [
        { id: 'scan', needs: [] },
        { id: 'lint', needs: [] },
        { id: 'embed', needs: ['scan'] },
        { id: 'cluster', needs: ['embed'] },
        { id: 'report', needs: ['cluster', 'lint'] },
      ],
      SIZES,
    );
    const long = layout.edges.find((e) => e.from === 'lint');
    expect(long?.via).toEqual([
      { x: 150, y: 70 },
      { x: 300, y: 70 },
    ]);
    expect([layout.nodes.get('embed')?.y, layout.nodes.get('cluster')?.y]).toEqual([0, 0]);
    expect([...layout.nodes.keys()].sort()).toEqual(['cluster', 'embed', 'lint', 'report', 'scan']);
  });

  it('lays out an empty graph', () => {
    expect(layeredLayout([], SIZES)).toMatchObject({ width: 0, height: 0, edges: [] });
  });
});
