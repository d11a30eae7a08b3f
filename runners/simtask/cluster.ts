// simtask/cluster: groups of near-duplicate functions. Needs every vector at
// once (neighbours are global), so it loads embed's records into one
// Float32Array; then top-k neighbours with cosine >= threshold (exact or LSH,
// neighbours.ts), union-find over those edges with an average-linkage guard
// (link.ts), groups of at least minSize. Functions under minTokens tokens
// are left out: every two-line getter looks like every other one. A file
// that several paths lead to (symbolic links) counts once (real-files.ts).
// Records carry no code: a cluster depends only on embed's records, so an
// edit that changes no vector (a comment, a literal) stops before cluster.
// Output is independent of record order: functions are sorted by id first,
// cluster ids hash the sorted member ids, clusters are sorted by size, then
// similarity, then id.
import { createHash } from 'node:crypto';
import type { StageContext } from '../../src/api.js';
import { requireDirectoryParam } from '../lib/param-directory.js';
import { linkGroups, meanPairwise } from './link.js';
import { fingerprints, idHashes, memoOf, neighbourSettings, reuseFrom } from './neighbour-memo.js';
import type { NeighbourMemo } from './neighbour-memo.js';
import { nearNeighbours, neighbourLists } from './neighbours.js';
import type { Edge, NeighbourOptions } from './neighbours.js';
import { compare, mostCommon } from './order.js';
import { pathsCountedElsewhere, realPathIn } from './real-files.js';
import { dot, RowCollector } from './vectors.js';
import type { Vectors } from './vectors.js';
import type { ClusterRecord, EmbedRecord } from './types.js';

/** The max and min similarity of a huge cluster come from its first members only (the mean is exact). */
const MAX_PAIRWISE = 300;

export interface ClusterOptions {
  threshold: number;
  k: number;
  minSize: number;
  minTokens: number;
  /** Tests force the LSH path with 0. */
  exactBelow?: number;
  /**
   * Where a file's path leads once symbolic links are followed (real-files.ts):
   * paths that lead to one file count once. Without it every path is its own file.
   */
  realPathOf?: (file: string) => string;
}

/** The neighbour lists a run keeps for the next (ctx.memo; neighbour-memo.ts). */
export interface ClusterMemo {
  /** What the last run kept, if anything. */
  previous?: unknown;
  /** The code lists are kept under (ctx.code): a memo kept under other code is none. */
  code?: string;
  /** Set by clusterEmbeddings: what this run keeps (none from the exact path). */
  next?: NeighbourMemo;
  /** Set by clusterEmbeddings: how many functions had their neighbours looked for again. */
  rescored?: number;
  /** Set by clusterEmbeddings: the paths left out as leading to a file counted under another path. */
  leftOut?: Map<string, string>;
}

const MEMO_KEY = 'neighbours';

export async function cluster(ctx: StageContext): Promise<ClusterRecord[]> {
  checkRoot(String(ctx.params.root), ctx.workspace);
  const options: ClusterOptions = {
    threshold: Number(ctx.params.threshold),
    k: Number(ctx.params.k),
    minSize: Number(ctx.params.minSize),
    minTokens: Number(ctx.params.minTokens),
    realPathOf: realPathIn(ctx.workspace.root, (file) => ctx.workspace.resolve(file)),
  };
  const memo: ClusterMemo = { previous: await ctx.memo.get(MEMO_KEY), code: ctx.code };
  const groups = await clusterEmbeddings(ctx.upstream('embed') as AsyncIterable<EmbedRecord>, options, memo);
  if (memo.next) await ctx.memo.set(MEMO_KEY, memo.next);
  ctx.log(
    `${groups.length} clusters of ${groups.reduce((sum, group) => sum + group.size, 0)} functions; ` +
      `neighbours looked for again: ${memo.rescored ?? 0} functions`,
  );
  if (memo.leftOut?.size) ctx.log(leftOutLine(memo.leftOut));
  return groups;
}

/**
 * A root that is not there (a typo in --param root) matches no file, which
 * is no error to scan: without this check the run would find no clusters,
 * and write would delete every task file nobody edited. A root with glob
 * characters (`{src,lib}`) is a pattern, not checked.
 */
function checkRoot(root: string, workspace: StageContext['workspace']): void {
  if (/[*?{}[\]]/.test(root)) return;
  requireDirectoryParam('root', root, workspace, { purpose: 'the directory to scan', example: 'path/to/src' });
}

/** The clustering itself, on embed records: a pure function of the records and the options. */
export async function clusterEmbeddings(
  records: AsyncIterable<EmbedRecord> | Iterable<EmbedRecord>,
  options: ClusterOptions,
  memo?: ClusterMemo,
): Promise<ClusterRecord[]> {
  // Each record is kept without its vector and sketch, which are decoded as
  // it arrives (vectors.ts, RowCollector): held whole, 20k records' base64
  // text survived every garbage collection of the run.
  const functions: FunctionRow[] = [];
  const rows = new RowCollector();
  let embedder: string | undefined;
  let hasSketches = true;
  for await (const record of records) {
    embedder ??= record.embedder;
    if (record.embedder !== embedder)
      throw new Error(`vectors of two embedders (${embedder}, ${record.embedder}) in one run; rerun embed`);
    if (record.tokens < options.minTokens) continue;
    const { vector, sketch, ...row } = record;
    rows.add(vector, sketch);
    hasSketches &&= sketch !== undefined;
    functions.push(row);
  }
  const leftOut = options.realPathOf
    ? pathsCountedElsewhere(new Set(functions.map((f) => f.file)), options.realPathOf)
    : new Map<string, string>();
  if (memo) memo.leftOut = leftOut;
  const order = functions
    .map((_, i) => i)
    .filter((i) => !leftOut.has((functions[i] as FunctionRow).file))
    .sort((a, b) => compare(idOf(functions, a), idOf(functions, b)));
  const sorted = order.map((i) => functions[i] as FunctionRow);
  const vectors = rows.vectors(order);
  const neighbourOptions: NeighbourOptions = {
    threshold: options.threshold,
    k: options.k,
    ...(options.exactBelow !== undefined ? { exactBelow: options.exactBelow } : {}),
    ...(hasSketches ? { sketches: rows.sketches(order) } : {}),
  };
  const edges = memo
    ? neighbourEdges(
        sorted.map((f) => f.id),
        vectors,
        neighbourOptions,
        memo,
      )
    : nearNeighbours(vectors, neighbourOptions);
  const parent = linkGroups(vectors, edges, options.threshold);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] as number;
    return x;
  };
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < sorted.length; i++) {
    const root = find(i);
    const list = byRoot.get(root);
    if (list) list.push(i);
    else byRoot.set(root, [i]);
  }
  const groups: ClusterRecord[] = [];
  for (const indices of byRoot.values()) {
    if (indices.length < Math.max(2, options.minSize)) continue;
    const members = indices.map((i) => sorted[i] as FunctionRow);
    groups.push({
      id: clusterId(members.map((m) => m.id)),
      // Ties go to an exported name: the copy other code already imports is the one a plan keeps.
      name: mostCommon(
        members.map((m) => m.name),
        new Set(members.filter((m) => m.exported && !m.className).map((m) => m.name)),
      ),
      size: members.length,
      similarity: similarityStats(vectors, indices),
      embedder: embedder ?? '',
      members: members
        .map(({ embedder: _e, codeHash: _hash, tokens: _tokens, ...member }) => member)
        .sort((x, y) => compare(x.file, y.file) || x.startLine - y.startLine || compare(x.id, y.id)),
    });
  }
  return groups.sort((x, y) => y.size - x.size || y.similarity.avg - x.similarity.avg || compare(x.id, y.id));
}

const SHOWN_LEFT_OUT = 5;

function leftOutLine(leftOut: Map<string, string>): string {
  const paths = [...leftOut.keys()].sort(compare);
  const shown = paths.slice(0, SHOWN_LEFT_OUT).map((file) => `${file} (${leftOut.get(file)})`);
  const more = paths.length > SHOWN_LEFT_OUT ? `, and ${paths.length - SHOWN_LEFT_OUT} more` : '';
  return `left out ${paths.length} ${paths.length === 1 ? 'path that leads' : 'paths that lead'} through a symbolic link to a file counted under another: ${shown.join(', ')}${more}`;
}

/** An embed record without its vector and sketch. */
type FunctionRow = Omit<EmbedRecord, 'vector' | 'sketch'>;

const idOf = (functions: readonly FunctionRow[], i: number): string => (functions[i] as FunctionRow).id;

/** Neighbour edges starting from the lists the last run kept, and this run's lists into `memo.next`. */
function neighbourEdges(names: string[], vectors: Vectors, options: NeighbourOptions, memo: ClusterMemo): Edge[] {
  const ids = idHashes(names);
  const settings = neighbourSettings(
    { ...options, hasSketches: options.sketches !== undefined, code: memo.code },
    vectors.dim,
  );
  const prints = fingerprints(vectors, options.sketches);
  const lists = neighbourLists(vectors, options, reuseFrom(memo.previous, settings, ids, prints));
  memo.rescored = lists.rescored;
  memo.next = lists.windows ? memoOf(lists.top, settings, ids, prints, lists.windows) : undefined;
  return lists.top.edges();
}

export function clusterId(memberIds: string[]): string {
  return `c${createHash('sha256')
    .update([...memberIds].sort(compare).join('\n'))
    .digest('hex')
    .slice(0, 12)}`;
}

function similarityStats(vectors: Vectors, indices: number[]): ClusterRecord['similarity'] {
  const sample = indices.slice(0, MAX_PAIRWISE);
  let max = -1;
  let min = 1;
  for (let i = 0; i < sample.length; i++) {
    for (let j = i + 1; j < sample.length; j++) {
      const s = dot(vectors, sample[i] as number, sample[j] as number);
      max = Math.max(max, s);
      min = Math.min(min, s);
    }
  }
  const avg = meanPairwise(vectors, indices);
  const round = (x: number): number => Math.round(Math.min(1, x) * 1000) / 1000;
  return { max: round(max), avg: round(avg), min: round(min) };
}
