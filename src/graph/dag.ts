// The stage DAG of a pipeline: build, find cycles, select, order. Pure
// functions of plain data ({ name, needs }), tested on plain graphs.
import { Graph, alg } from '@dagrejs/graphlib';

export interface NodeSpec {
  name: string;
  needs: readonly string[];
}

/** Edges run from a stage to the stages that need it (upstream -> downstream). */
export function buildGraph(nodes: Iterable<NodeSpec>): Graph {
  const graph = new Graph({ directed: true });
  const specs = [...nodes];
  for (const node of specs) graph.setNode(node.name);
  for (const node of specs) {
    for (const need of node.needs) if (graph.hasNode(need)) graph.setEdge(need, node.name);
  }
  return graph;
}

/**
 * One cycle per strongly connected component, as a closed path along `needs`:
 * `[a, b, c, a]` reads "a needs b, b needs c, c needs a".
 */
export function findCycles(graph: Graph): string[][] {
  const cycles: string[][] = [];
  // graphlib's findCycles already counts a node that needs itself as a
  // one-node component; closedPath turns it into [a, a].
  for (const component of alg.findCycles(graph)) {
    const members = new Set(component);
    const start = [...members].sort()[0];
    if (start === undefined) continue;
    cycles.push(closedPath(graph, start, members));
  }
  for (const node of graph.nodes()) {
    const isListed = cycles.some((cycle) => cycle.length === 2 && cycle[0] === node && cycle[1] === node);
    if (graph.hasEdge(node, node) && !isListed) cycles.push([node, node]);
  }
  return cycles.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

function closedPath(graph: Graph, start: string, members: Set<string>): string[] {
  // Depth-first walk inside the component until we step back onto `start`.
  const stack: string[] = [start];
  const visited = new Set<string>([start]);
  const walk = (node: string): boolean => {
    for (const next of (graph.predecessors(node) ?? []).sort()) {
      if (next === start) {
        stack.push(start);
        return true;
      }
      if (!members.has(next) || visited.has(next)) continue;
      visited.add(next);
      stack.push(next);
      if (walk(next)) return true;
      stack.pop();
    }
    return false;
  };
  walk(start);
  return stack;
}

export function topologicalOrder(graph: Graph): string[] {
  return alg.topsort(graph);
}

export function ancestors(graph: Graph, name: string): Set<string> {
  return reach(name, (n) => graph.predecessors(n) ?? []);
}

export function descendants(graph: Graph, name: string): Set<string> {
  return reach(name, (n) => graph.successors(n) ?? []);
}

function reach(start: string, next: (node: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const other of next(node)) {
      if (!seen.has(other)) {
        seen.add(other);
        queue.push(other);
      }
    }
  }
  return seen;
}

export interface Selection {
  only?: readonly string[];
  from?: readonly string[];
  to?: readonly string[];
}

/**
 * Stages to run: --only S (just S), --from S (S and everything downstream),
 * --to S (S and everything it needs). Several flags intersect.
 */
export function selectStages(graph: Graph, selection: Selection): Set<string> {
  let selected = new Set(graph.nodes());
  const intersect = (names: Set<string>): void => {
    selected = new Set([...selected].filter((n) => names.has(n)));
  };
  if (selection.only?.length) intersect(new Set(selection.only));
  if (selection.from?.length) intersect(union(selection.from.map((s) => new Set([s, ...descendants(graph, s)]))));
  if (selection.to?.length) intersect(union(selection.to.map((s) => new Set([s, ...ancestors(graph, s)]))));
  return selected;
}

function union(sets: Set<string>[]): Set<string> {
  return new Set(sets.flatMap((s) => [...s]));
}

export type { Graph };
