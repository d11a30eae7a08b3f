// boardrev/match: for each task, its top-k chunks of the index by cosine,
// the best chunk of every file its markdown links to, and where the files,
// identifiers and flags it names are (match-scan.ts). A batch export: one
// streaming pass over the index serves a whole batch of tasks, so memory
// stays O(batch x k) however large the index is. It reads the index through
// ctx.upstream, so it runs inline (the default isolate): a worker thread
// has no ctx.upstream.
//
// Item cache: the key is the whole task record (its content); the item
// scope includes the index's output fingerprint (a `needs` stage), so a
// changed index re-matches every task, and a changed task re-matches only
// itself.
import picomatch from 'picomatch';
import { defineMap } from '../../src/api.js';
import type { StageContext } from '../../src/api.js';
import { embedTexts } from './index.js';
import { scanIndex } from './match-scan.js';
import type { Query } from './match-scan.js';
import { readTaskText, termKey } from './task-text.js';
import type { ChunkRecord, MatchRecord, NamedFile, NamedTerm, TaskRecord } from './types.js';

export async function matchBatch(
  tasks: TaskRecord[],
  ctx: Pick<StageContext, 'params' | 'env' | 'signal' | 'upstream'>,
): Promise<MatchRecord[]> {
  const k = Number(ctx.params.k);
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`params.k must be an integer >= 1, not ${JSON.stringify(ctx.params.k)}`);
  const texts = tasks.map((task) => readTaskText(task.body, task.path));
  const { embedder, vectors } = await embedTexts(
    tasks.map((task) => `${task.title}\n${task.labels.join(' ')}\n${task.body}`),
    ctx,
  );
  const queries: Query[] = tasks.map((_, i) => {
    const text = texts[i] ?? { links: [], mentions: [], terms: [] };
    return {
      vector: vectors[i] ?? new Float32Array(0),
      links: new Set(text.links),
      files: [...text.links, ...text.mentions],
      termKeys: text.terms.map(termKey),
    };
  });
  const scanned = await scanIndex(ctx.upstream('index') as AsyncIterable<ChunkRecord>, queries, { k, embedder });
  const wouldBeIndexed = indexedBy(ctx.params);
  return tasks.map((task, i) => {
    const text = texts[i] ?? { links: [], mentions: [], terms: [] };
    const result = scanned[i];
    const state = (file: string): NamedFile['state'] =>
      result?.foundFiles.has(file) ? 'found' : file.includes('/') && wouldBeIndexed(file) ? 'missing' : 'outside';
    const files: NamedFile[] = [
      ...text.links.map((file): NamedFile => ({ path: file, via: 'link', state: state(file) })),
      ...text.mentions.map((file): NamedFile => ({ path: file, via: 'mention', state: state(file) })),
    ];
    const terms = text.terms.map((term): NamedTerm => {
      const hit = result?.terms.get(termKey(term));
      return hit
        ? { term, found: true, path: hit.path, line: hit.line, defined: hit.defined }
        : { term, found: false, path: null, line: null, defined: false };
    });
    return { ...task, embedder, matches: [...(result?.similar ?? []), ...(result?.linked ?? [])], files, terms };
  });
}

/**
 * Whether the index stage would have indexed a path: it matches
 * params.sources and is not the board, the report directory or the process
 * document (the index stage's foreach in pipelines.yaml). A named file that would be
 * indexed and is not in the index does not exist; any other file that is
 * not in the index is outside what boardrev can see, and no evidence
 * either way.
 */
function indexedBy(params: StageContext['params']): (file: string) => boolean {
  // An empty glob matches nothing (picomatch refuses one): report then says what to set.
  const isSource = params.sources === '' ? () => false : picomatch(String(params.sources), { dot: true });
  const isExcluded = picomatch([`${String(params.board)}/**`, `${String(params.out)}/**`, String(params.process)], {
    dot: true,
  });
  return (file) => isSource(file) && !isExcluded(file);
}

export const match = defineMap<TaskRecord, MatchRecord>({ batch: matchBatch });
