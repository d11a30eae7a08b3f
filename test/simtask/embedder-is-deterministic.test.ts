// The local embedder: same code, same vector and sketch (in any process, on
// any machine: no randomness, no locale); unit norm; layout and comments do
// not matter; the int8 codec barely moves cosines.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cosine, embedCode, embedLocal, LOCAL_DIM, SKETCH_SIZE, splitIdentifier } from '../../runners/lib/embedding.js';
import { decodeSketch, decodeVector, encodeSketch, encodeVector } from '../../runners/lib/vector-codec.js';
import { normalizeCode } from '../../runners/simtask/normalize.js';

const CODE = `function sumPrices(items) { let total = 0; for (const item of items) total += item.price * item.quantity; return total; }`;

describe('local embedder', () => {
  it('gives the same vector and sketch for the same code', () => {
    const a = embedCode(CODE);
    const b = embedCode(CODE);
    expect(Array.from(a.vector)).toEqual(Array.from(b.vector));
    expect(Array.from(a.sketch)).toEqual(Array.from(b.sketch));
    expect(a.vector).toHaveLength(LOCAL_DIM);
    expect(a.sketch).toHaveLength(SKETCH_SIZE);
  });

  it('pins the vector, so that changing the embedding (which orphans every cached vector) is deliberate', () => {
    // A new embedding must also get a new LOCAL_EMBEDDER version: records say which embedder made them.
    expect(
      createHash('sha256')
        .update(encodeVector(embedLocal(CODE)))
        .digest('hex')
        .slice(0, 16),
    ).toBe('3818c50af9458fe9');
  });

  it('returns unit vectors', () => {
    expect(cosine(embedLocal(CODE), embedLocal(CODE))).toBeCloseTo(1, 5);
    expect(Array.from(embedLocal(''))).toEqual(new Array(LOCAL_DIM).fill(0));
  });

  it('ignores comments, layout and type annotations once the code is normalized', () => {
    const typed = `function sumPrices(items: Item[]): number {
      // add them up
      let total = 0;
      for (const item of items) total += item.price * item.quantity;
      return total;
    }`;
    const plain = normalizeCode(CODE).text;
    expect(normalizeCode(typed).text.replace(/ : Item \[ \]| : number/g, '')).toBe(plain);
  });

  it('splits identifiers on camelCase, acronyms, digits and snake_case', () => {
    expect(splitIdentifier('parseHTTPResponse_v2')).toEqual(['parse', 'http', 'response', 'v2']);
    expect(splitIdentifier('MAX_RETRY_COUNT')).toEqual(['max', 'retry', 'count']);
    expect(splitIdentifier('$el')).toEqual(['el']);
  });

  it('round-trips vectors through the int8 codec within 0.01 cosine, and sketches exactly', () => {
    const { vector, sketch } = embedCode(CODE);
    expect(cosine(decodeVector(encodeVector(vector)), vector)).toBeGreaterThan(0.99);
    expect(Array.from(decodeSketch(encodeSketch(sketch)))).toEqual(Array.from(sketch));
  });
});
