// Similar code scores higher than unrelated code: on the fixture, every
// planted copy is closer to the other copies of its group than to any
// function outside it, and copies score above the calibrated threshold
// while unrelated pairs stay below it.
import { describe, expect, it } from 'vitest';
import { cosine } from '../../runners/lib/embedding.js';
import { decodeVector } from '../../runners/lib/vector-codec.js';
import { embedLocally, fixtureFunctions, memberKey, MIN_TOKENS, plantedGroups, THRESHOLD } from './helpers.js';

describe('local embedder on the fixture codebase', async () => {
  const records = (await embedLocally(fixtureFunctions())).filter((r) => r.tokens >= MIN_TOKENS);
  const vectors = new Map(records.map((r) => [memberKey(r), decodeVector(r.vector)]));
  const groupOf = new Map<string, number>();
  plantedGroups().forEach((group, i) => {
    for (const member of group) groupOf.set(member, i);
  });
  const similarity = (a: string, b: string): number =>
    cosine(vectors.get(a) as Float32Array, vectors.get(b) as Float32Array);

  it('embeds every planted copy', () => {
    for (const member of groupOf.keys()) expect(vectors.has(member), member).toBe(true);
  });

  it('puts each copy nearest to a copy of its own group', () => {
    for (const [member, group] of groupOf) {
      let best = '';
      let bestSimilarity = -1;
      for (const other of vectors.keys()) {
        if (other === member) continue;
        const s = similarity(member, other);
        if (s > bestSimilarity) [best, bestSimilarity] = [other, s];
      }
      expect(groupOf.get(best), `${member} is nearest to ${best} (${bestSimilarity.toFixed(3)})`).toBe(group);
    }
  });

  it('scores unrelated pairs below the threshold', () => {
    const keys = [...vectors.keys()];
    for (const [i, a] of keys.entries()) {
      for (const b of keys.slice(i + 1)) {
        const related = groupOf.has(a) && groupOf.get(a) === groupOf.get(b);
        if (!related) expect(similarity(a, b), `${a} ~ ${b}`).toBeLessThan(THRESHOLD);
      }
    }
  });

  it('scores a copy with one changed literal above 0.9, and a renamed, reordered copy well above an unrelated function', () => {
    expect(similarity('src/utils/dates.ts#formatDate', 'src/reports/format.ts#Report.formatDay')).toBeGreaterThan(0.9);
    const copy = similarity('src/math/stats.ts#standardDeviation', 'src/reports/aggregate.ts#stdDev');
    const unrelated = similarity('src/math/stats.ts#standardDeviation', 'src/math/stats.ts#median');
    expect(copy).toBeGreaterThan(unrelated + 0.15);
  });
});
