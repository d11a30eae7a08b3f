// The prose embedder boardrev shares between index and match
// (runners/lib/text-embedding.ts): deterministic unit vectors in which a
// task's words meet the code's identifiers (`ItemCache` ~ "item cache",
// `chunking` ~ `chunks`), while stop words and keywords count for nothing.
import { describe, expect, it } from 'vitest';
import { cosine, LOCAL_DIM } from '../../runners/lib/embedding.js';
import { embedText, stem, textWords } from '../../runners/lib/text-embedding.js';

describe('text embedder', () => {
  it('is deterministic and of unit length (zero for a text without words)', () => {
    const a = embedText('Cache each item of a map stage');
    expect(a).toHaveLength(LOCAL_DIM);
    expect(embedText('Cache each item of a map stage')).toEqual(a);
    expect(cosine(a, a)).toBeCloseTo(1, 5);
    expect(embedText('the of and 42 {}').every((x) => x === 0)).toBe(true);
  });

  it('splits identifiers, stems, drops stop words and keywords, keeps compounds', () => {
    expect(textWords('export const itemCache = new ItemCache(); // caching the chunks')).toEqual({
      words: ['item', 'cach', 'item', 'cach', 'cach', 'chunk'],
      compounds: ['itemcache', 'itemcache'],
    });
    expect(['chunks', 'chunking', 'cached', 'entries', 'classes', 'status'].map(stem)).toEqual([
      'chunk',
      'chunk',
      'cach',
      'entry',
      'class',
      'status',
    ]);
  });

  it('ranks the code a task is about above unrelated code', () => {
    const task = embedText('Per-item cache for map stages: unchanged items reuse their cached result');
    const related = embedText(
      'src/engine/map/item-cache.ts\nexport class ItemCache {\n  keyOf(item: JsonRecord): string { return sha256(item); }\n  async lookup(keys: string[]) {}\n}',
    );
    const unrelated = embedText(
      'src/report/html.ts\nexport function renderTimeline(events: RunEvent[]): string {\n  return svg(events.map(bar));\n}',
    );
    expect(cosine(task, related)).toBeGreaterThan(cosine(task, unrelated) + 0.15);
  });
});
