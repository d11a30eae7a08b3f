// A layered drawing of a DAG, for the HTML report: each node's layer is the
// longest path to it from a node without needs (so every edge points right),
// and nodes within a layer are ordered by the barycentre of their neighbours
// in the layer before (then after), which removes most crossings in the
// small graphs pipelines are. Pure: plain data in, coordinates out.

export interface LayoutInput {
  id: string;
  /** Ids of the nodes this one needs; ids not in the input are ignored. */
  needs: readonly string[];
}

export interface PlacedNode {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
}

export interface Layout {
  nodes: Map<string, PlacedNode>;
  /** `via`: where an edge crosses the layers between its ends (left edge of the column, mid height). */
  edges: { from: string; to: string; via: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

export interface LayoutSizes {
  nodeWidth: number;
  nodeHeight: number;
  gapX: number;
  gapY: number;
}

export function layeredLayout(input: readonly LayoutInput[], sizes: LayoutSizes): Layout {
  const ids = new Set(input.map((n) => n.id));
  const needsOf = new Map(input.map((n) => [n.id, n.needs.filter((need) => ids.has(need) && need !== n.id)]));
  const layerOf = longestPathLayers(
    input.map((n) => n.id),
    needsOf,
  );
  const layers: string[][] = [];
  for (const node of input) {
    const layer = layerOf.get(node.id) ?? 0;
    layers[layer] ??= [];
    layers[layer].push(node.id);
  }
  for (let i = 0; i < layers.length; i++) layers[i] ??= [];

  const { up, down, chains } = virtualChains(layers, layerOf, needsOf);
  // Two sweeps: down by what each node needs, then up by what needs it.
  for (let i = 1; i < layers.length; i++)
    layers[i] = byBarycentre(layers[i] ?? [], layers[i - 1] ?? [], (id) => up.get(id) ?? []);
  for (let i = layers.length - 2; i >= 0; i--)
    layers[i] = byBarycentre(layers[i] ?? [], layers[i + 1] ?? [], (id) => down.get(id) ?? []);

  const tallest = Math.max(0, ...layers.map((l) => l.length));
  const rowHeight = sizes.nodeHeight + sizes.gapY;
  const placed = place(layers, tallest, rowHeight, sizes);
  const nodes = new Map([...placed].filter(([id]) => ids.has(id)));
  const edges = chains.map(({ from, to, via }) => ({
    from,
    to,
    via: via.map((v) => placed.get(v)).flatMap((p) => (p ? [{ x: p.x, y: p.y + sizes.nodeHeight / 2 }] : [])),
  }));
  return {
    nodes,
    edges,
    width: layers.length === 0 ? 0 : layers.length * sizes.nodeWidth + (layers.length - 1) * sizes.gapX,
    height: tallest === 0 ? 0 : tallest * rowHeight - sizes.gapY,
  };
}

/**
 * An edge that skips layers gets a virtual node in each layer it crosses,
 * so it is ordered like a node and drawn beside the real ones, not through them.
 */
function virtualChains(
  layers: string[][],
  layerOf: ReadonlyMap<string, number>,
  needsOf: ReadonlyMap<string, readonly string[]>,
): { up: Map<string, string[]>; down: Map<string, string[]>; chains: { from: string; to: string; via: string[] }[] } {
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const link = (from: string, to: string): void => {
    up.set(to, [...(up.get(to) ?? []), from]);
    down.set(from, [...(down.get(from) ?? []), to]);
  };
  const chains: { from: string; to: string; via: string[] }[] = [];
  for (const [to, needs] of needsOf) {
    for (const from of needs) {
      const via: string[] = [];
      let previous = from;
      for (let layer = (layerOf.get(from) ?? 0) + 1; layer < (layerOf.get(to) ?? 0); layer++) {
        const virtual = `\u0000${from}\u0000${to}\u0000${layer}`;
        layers[layer]?.push(virtual);
        link(previous, virtual);
        via.push(virtual);
        previous = virtual;
      }
      link(previous, to);
      chains.push({ from, to, via });
    }
  }
  return { up, down, chains };
}

/** Coordinates of every node, virtual ones too; short layers are centred against the tallest one. */
function place(layers: string[][], tallest: number, rowHeight: number, sizes: LayoutSizes): Map<string, PlacedNode> {
  const placed = new Map<string, PlacedNode>();
  layers.forEach((layer, layerIndex) => {
    const offset = ((tallest - layer.length) * rowHeight) / 2;
    layer.forEach((id, order) => {
      placed.set(id, {
        id,
        layer: layerIndex,
        order,
        x: layerIndex * (sizes.nodeWidth + sizes.gapX),
        y: offset + order * rowHeight,
      });
    });
  });
  return placed;
}

function longestPathLayers(
  ids: readonly string[],
  needsOf: ReadonlyMap<string, readonly string[]>,
): Map<string, number> {
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    // A cycle cannot reach here from a validated config; treat it as a root rather than recurse forever.
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const needs = needsOf.get(id) ?? [];
    const value = needs.length === 0 ? 0 : 1 + Math.max(...needs.map(visit));
    visiting.delete(id);
    layer.set(id, value);
    return value;
  };
  for (const id of ids) visit(id);
  return layer;
}

function byBarycentre(
  layer: readonly string[],
  neighbourLayer: readonly string[],
  neighbours: (id: string) => readonly string[],
): string[] {
  const position = new Map(neighbourLayer.map((id, i) => [id, i]));
  const keyed = layer.map((id, index) => {
    const placed = neighbours(id)
      .map((n) => position.get(n))
      .filter((p): p is number => p !== undefined);
    // Nodes without neighbours there keep their place.
    const key = placed.length === 0 ? index : placed.reduce((a, b) => a + b, 0) / placed.length;
    return { id, key, index };
  });
  return keyed.sort((a, b) => a.key - b.key || a.index - b.index).map((k) => k.id);
}
