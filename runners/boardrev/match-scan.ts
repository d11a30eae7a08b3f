// One streaming pass over the index for a batch of tasks: each chunk is
// decoded into one reusable vector, scored against every task, and kept
// only if it enters a task's top k (or is the best chunk so far of a file
// the task links to). Named files and terms are looked up in the same pass.
// Memory is O(tasks x k), whatever the size of the index.
import path from 'node:path';
import { cosine } from '../lib/embedding.js';
import { decodeVector, encodedLength } from '../lib/vector-codec.js';
import type { ChunkRecord, MatchHit } from './types.js';

export interface Query {
  vector: Float32Array;
  /** Workspace-relative paths the task links to: their best chunk is kept. */
  links: ReadonlySet<string>;
  /** Every path the task names (links and mentions); a bare file name matches by basename. */
  files: readonly string[];
  /** Lookup keys (termKey) of the terms the task names. */
  termKeys: readonly string[];
}

export interface TermHit {
  path: string;
  line: number;
  defined: boolean;
}

export interface ScanResult {
  similar: MatchHit[];
  linked: MatchHit[];
  foundFiles: Set<string>;
  terms: Map<string, TermHit>;
}

interface Kept {
  score: number;
  chunk: ChunkRecord;
}

const TOKEN = /--[A-Za-z][\w-]*|[A-Za-z_$][\w$]*/g;

export async function scanIndex(
  chunks: AsyncIterable<ChunkRecord>,
  queries: Query[],
  options: { k: number; embedder: string },
): Promise<ScanResult[]> {
  const top: Kept[][] = queries.map(() => []);
  const bestLink: Map<string, Kept>[] = queries.map(() => new Map());
  const results = queries.map((): ScanResult => ({ similar: [], linked: [], foundFiles: new Set(), terms: new Map() }));
  const byTerm = indexBy(queries.map((q) => q.termKeys));
  const byFile = indexBy(queries.map((q) => q.files.filter((f) => f.includes('/'))));
  const byBasename = indexBy(queries.map((q) => q.files.filter((f) => !f.includes('/'))));
  let vector: Float32Array | undefined;
  for await (const chunk of chunks) {
    if (chunk.embedder !== options.embedder) {
      throw new Error(
        `the index was embedded by ${chunk.embedder} but the tasks by ${options.embedder}: rerun index with the same embedProvider and embedModel`,
      );
    }
    vector ??= new Float32Array(encodedLength(chunk.vector));
    decodeVector(chunk.vector, vector);
    for (const [q, query] of queries.entries()) {
      const kept = { score: cosine(query.vector, vector), chunk };
      insertTop(top[q] as Kept[], kept, options.k);
      if (query.links.has(chunk.path)) {
        const best = (bestLink[q] as Map<string, Kept>).get(chunk.path);
        if (!best || kept.score > best.score) (bestLink[q] as Map<string, Kept>).set(chunk.path, kept);
      }
    }
    for (const q of byFile.get(chunk.path) ?? []) results[q]?.foundFiles.add(chunk.path);
    for (const q of byBasename.get(path.posix.basename(chunk.path)) ?? [])
      results[q]?.foundFiles.add(path.posix.basename(chunk.path));
    if (byTerm.size > 0) lookTerms(chunk, byTerm, results);
  }
  for (const [q, result] of results.entries()) {
    result.similar = (top[q] as Kept[]).map((kept) => hit(kept, 'similar'));
    const shown = new Set(result.similar.map((h) => `${h.path}:${h.startLine}`));
    result.linked = [...(bestLink[q] as Map<string, Kept>).values()]
      .filter((kept) => !shown.has(`${kept.chunk.path}:${kept.chunk.startLine}`))
      .sort((a, b) => (a.chunk.path < b.chunk.path ? -1 : a.chunk.path > b.chunk.path ? 1 : 0))
      .map((kept) => hit(kept, 'link'));
  }
  return results;
}

function indexBy(lists: readonly (readonly string[])[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const [q, list] of lists.entries()) for (const key of new Set(list)) map.set(key, [...(map.get(key) ?? []), q]);
  return map;
}

/** Ties keep the chunk seen first: the index is in path order, so the order is deterministic. */
function insertTop(list: Kept[], kept: Kept, k: number): void {
  if (list.length >= k && kept.score <= (list.at(-1) as Kept).score) return;
  let at = list.length;
  while (at > 0 && (list[at - 1] as Kept).score < kept.score) at--;
  list.splice(at, 0, kept);
  if (list.length > k) list.pop();
}

function lookTerms(chunk: ChunkRecord, byTerm: Map<string, number[]>, results: ScanResult[]): void {
  const seen = new Set<string>();
  for (const match of chunk.text.matchAll(TOKEN)) {
    const token = match[0];
    if (seen.has(token)) continue;
    seen.add(token);
    const wanting = byTerm.get(token);
    if (!wanting) continue;
    const needed = wanting.filter((q) => quality(results[q]?.terms.get(token)) < BEST);
    if (needed.length === 0) continue;
    const found = locate(chunk, token);
    for (const q of needed) {
      if (quality(found) > quality(results[q]?.terms.get(token))) results[q]?.terms.set(token, found);
    }
  }
}

const BEST = 3;

/** A declaration beats a use in code, which beats a mention in prose; the first of equals wins. */
function quality(hit: TermHit | undefined): number {
  if (!hit) return 0;
  if (hit.defined) return BEST;
  return /\.(?:md|markdown|txt)$/i.test(hit.path) ? 1 : 2;
}

/** Where a token first appears in a chunk, preferring the line that declares it. */
export function locate(chunk: ChunkRecord, token: string): TermHit {
  const name = token.replace(/[$]/g, '\\$');
  const declaration = token.startsWith('--')
    ? undefined
    : new RegExp(
        `(?:function\\*?|class|interface|type|enum|const|let|var)\\s+${name}\\b|^[ \\t]*(?:(?:export|public|private|protected|static|readonly|async|get|set|override|declare)\\s+)*#?${name}\\s*[(<:=?]`,
        'm',
      ).exec(chunk.text);
  const at = declaration ? declaration.index + declaration[0].indexOf(token) : firstUse(chunk.text, token);
  let line = chunk.startLine;
  for (let i = chunk.text.indexOf('\n'); i !== -1 && i < at; i = chunk.text.indexOf('\n', i + 1)) line++;
  return { path: chunk.path, line, defined: declaration !== null && declaration !== undefined };
}

function firstUse(text: string, token: string): number {
  for (let at = text.indexOf(token); at !== -1; at = text.indexOf(token, at + 1)) {
    const before = text[at - 1] ?? ' ';
    const after = text[at + token.length] ?? ' ';
    if (!/[\w$-]/.test(before) && !/[\w$]/.test(after) && !(token.startsWith('--') && after === '-')) return at;
  }
  return 0;
}

function hit(kept: Kept, via: MatchHit['via']): MatchHit {
  const { path: file, startLine, endLine, text } = kept.chunk;
  return { path: file, startLine, endLine, score: Math.round(kept.score * 10_000) / 10_000, via, text };
}
