// The workspace dependency graph, and each package's view of it: its direct
// workspace dependencies, its direct dependents, and the subgraph a README
// draws (the package, everything it depends on transitively, and the
// packages that depend on it directly). A package's view changes only when
// an edge near it changes, so editing one package.json re-outlines the
// packages whose diagram shows that edge and no others.
import type { PackageRef, WorkspaceEdge, WorkspaceLinks } from './types.js';
import { compare } from './util.js';

export interface GraphPackage extends PackageRef {
  /** Names of every dependency it declares (any kind), with whether only devDependencies name it. */
  dependencies: { name: string; isDev: boolean }[];
}

export function workspaceLinks(packages: readonly GraphPackage[]): Map<string, WorkspaceLinks> {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const edges: WorkspaceEdge[] = [];
  for (const pkg of packages) {
    for (const dep of pkg.dependencies) {
      if (byName.has(dep.name) && dep.name !== pkg.name) edges.push({ from: pkg.name, to: dep.name, isDev: dep.isDev });
    }
  }
  edges.sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
  const out = new Map<string, WorkspaceLinks>();
  for (const pkg of packages) {
    const ref = (name: string): PackageRef => ({ name, dir: byName.get(name)?.dir ?? '' });
    const dependencies = edges.filter((e) => e.from === pkg.name).map((e) => ({ ...ref(e.to), isDev: e.isDev }));
    const dependents = edges.filter((e) => e.to === pkg.name).map((e) => ref(e.from));
    const below = reachable(pkg.name, edges);
    const dependentNames = new Set(dependents.map((d) => d.name));
    const nodes = [...new Set([pkg.name, ...below, ...dependentNames])].sort(compare).map(ref);
    // The tree below the package plus one level of dependents: an edge between two
    // dependents, or from a dependent to anything but the package, says nothing about it.
    const shownEdges = edges.filter(
      (e) => e.from === pkg.name || below.has(e.from) || (e.to === pkg.name && dependentNames.has(e.from)),
    );
    out.set(pkg.name, { dependencies, dependents, graph: { nodes, edges: shownEdges } });
  }
  return out;
}

/** Names reachable from `start` along edges (its transitive dependencies). */
function reachable(start: string, edges: readonly WorkspaceEdge[]): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    for (const edge of edges) {
      if (edge.from === name && !seen.has(edge.to) && edge.to !== start) {
        seen.add(edge.to);
        stack.push(edge.to);
      }
    }
  }
  return seen;
}
