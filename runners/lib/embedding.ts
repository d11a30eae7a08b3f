// A local, deterministic code embedding: no model, no network, the same
// vector for the same text on every machine. Code is tokenised and turned
// into four groups of features; each group is feature-hashed (signed, so
// collisions cancel on average instead of inflating similarity) and
// L2-normalised on its own, then the groups are mixed with fixed weights.
// Normalising per group keeps the cosine of two vectors a weighted average
// of per-group cosines, which is what makes the threshold calibratable:
//   shape       3-, 4- and 5-grams of token kinds, identifiers and literals
//               abstracted: survives renamed identifiers and changed literals;
//               reordered statements only change n-grams at their boundaries
//   statements  each statement's token-kind shape as one feature: blind to
//               statement order altogether
//   words       identifier sub-words (camelCase / snake_case split, lower case)
//   chars       character trigrams of sub-words: `total` ~ `totals`
// Literal values are left out: copies that differ only in constants are the
// duplicates we look for. Sub-linear tf (1 + ln tf) keeps one repeated token
// from dominating.
//
// Besides the vector, a MinHash sketch of the same features lets clustering
// find candidate pairs by banding (runners/simtask/lsh.ts): near-duplicates
// share many features (Jaccard >= 0.5 on the fixtures) while unrelated
// functions share few (median 0.05 on this repository), a far wider gap, in
// LSH terms, than the one between their cosines (0.58 vs 0.1).

export const LOCAL_EMBEDDER = 'local:simtask-hash-v1';
export const LOCAL_DIM = 512;
/** MinHash values per sketch: 60 bands of 4 rows (runners/simtask/lsh.ts). */
export const SKETCH_SIZE = 240;

const GROUP_WEIGHTS = { shape: 0.6, statements: 0.5, words: 0.35, chars: 0.35 } as const;
type Group = keyof typeof GROUP_WEIGHTS;
const GROUPS = Object.keys(GROUP_WEIGHTS) as Group[];
const GROUP_SEEDS: Record<Group, number> = {
  shape: 0x9e3779b9,
  statements: 0x165667b1,
  words: 0x85ebca6b,
  chars: 0xc2b2ae35,
};
const SHAPE_N = [3, 4, 5] as const;

// Strings, numbers, identifiers and keywords, multi-character operators, any other character.
const TOKEN =
  /"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|`(?:\\.|[^`\\])*`?|\d[\w.]*|[A-Za-z_$][\w$]*|=>|===|!==|==|!=|<=|>=|&&|\|\||\?\?|\?\.|\+\+|--|\+=|-=|\*=|\/=|\.\.\.|\S/g;

// Keywords carry structure, not meaning: they enter the shape as
// themselves and never the word group.
const KEYWORDS = new Set(
  (
    'abstract as async await break case catch class const continue debugger default delete do else enum export extends false ' +
    'finally for from function get if implements import in instanceof interface let new null of private protected public ' +
    'readonly return set static super switch this throw true try type typeof undefined var void while yield'
  ).split(' '),
);

/** `parseHTTPResponse_v2` -> [parse, http, response, v2]. */
export function splitIdentifier(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.toLowerCase());
}

/**
 * Features of one piece of code by group: 32-bit feature hashes, one entry
 * per occurrence, sorted (so equal features are runs whose length is the
 * term frequency). Features are built from integers, never as n-gram
 * strings, and counted by sorting a typed array rather than in a Map:
 * together that is most of what keeps embedding cheap.
 */
export function features(code: string): Record<Group, Uint32Array> {
  const groups: Record<Group, number[]> = { shape: [], statements: [], words: [], chars: [] };
  const shape: number[] = [];
  // No token objects and no closures in the loop: under tsx every closure
  // also costs a keepNames call, and this loop runs for every token.
  const pattern = new RegExp(TOKEN.source, 'g');
  for (let match = pattern.exec(code); match !== null; match = pattern.exec(code)) {
    const text = match[0];
    const first = text.charCodeAt(0);
    if (first === 34 || first === 39 || first === 96) shape.push(STRING);
    else if (first >= 48 && first <= 57) shape.push(NUMBER);
    else if (first === 36 || first === 95 || (first >= 65 && first <= 90) || (first >= 97 && first <= 122)) {
      if (KEYWORDS.has(text)) {
        shape.push(symbolOf(text));
        continue;
      }
      shape.push(IDENTIFIER);
      for (const word of wordsOf(text)) {
        groups.words.push(hash32(word));
        // Character trigrams of `^word$` (94 is ^, 36 is $), hashed from char codes.
        const last = word.length + 1;
        for (let i = 0; i + 3 <= last + 1; i++) {
          const a = i === 0 ? 94 : word.charCodeAt(i - 1);
          const b = i + 1 === last ? 36 : word.charCodeAt(i);
          const c = i + 2 === last ? 36 : word.charCodeAt(i + 1);
          groups.chars.push(fmix32(Math.imul(Math.imul(a, 0x01000193) ^ b, 0x01000193) ^ c));
        }
      }
    } else shape.push(symbolOf(text));
  }
  let statement = 0x811c9dc5;
  let statementLength = 0;
  for (const symbol of shape) {
    statement = Math.imul(statement ^ symbol, 0x01000193);
    statementLength++;
    if (symbol === SEMICOLON || symbol === OPEN_BRACE || symbol === CLOSE_BRACE) {
      if (statementLength > 1) groups.statements.push(fmix32(statement));
      statement = 0x811c9dc5;
      statementLength = 0;
    }
  }
  if (statementLength > 1) groups.statements.push(fmix32(statement));
  for (const n of SHAPE_N) {
    for (let i = 0; i + n <= shape.length; i++) {
      let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
      for (let j = 0; j < n; j++) h = Math.imul(h ^ (shape[i + j] as number), 0x01000193);
      groups.shape.push(fmix32(h));
    }
  }
  return {
    shape: Uint32Array.from(groups.shape).sort(),
    statements: Uint32Array.from(groups.statements).sort(),
    words: Uint32Array.from(groups.words).sort(),
    chars: Uint32Array.from(groups.chars).sort(),
  };
}

const symbols = new Map<string, number>();
function symbolOf(text: string): number {
  let symbol = symbols.get(text);
  if (symbol === undefined) {
    symbol = hash32(text);
    symbols.set(text, symbol);
  }
  return symbol;
}
const IDENTIFIER = symbolOf('I');
const NUMBER = symbolOf('N');
const STRING = symbolOf('S');
const SEMICOLON = symbolOf(';');
const OPEN_BRACE = symbolOf('{');
const CLOSE_BRACE = symbolOf('}');

// Identifiers repeat within and across functions; splitting them is regex work worth remembering.
const splitCache = new Map<string, string[]>();
function wordsOf(identifier: string): string[] {
  let words = splitCache.get(identifier);
  if (!words) {
    words = splitIdentifier(identifier);
    if (splitCache.size > 50_000) splitCache.clear();
    splitCache.set(identifier, words);
  }
  return words;
}

export interface LocalEmbedding {
  /** LOCAL_DIM floats, L2 norm 1 (all zeros for code without tokens). */
  vector: Float32Array;
  /** SKETCH_SIZE one-permutation MinHash values of all features, one byte each. */
  sketch: Uint8Array;
}

export function embedCode(code: string, dim = LOCAL_DIM): LocalEmbedding {
  const groups = features(code);
  const vector = new Float32Array(dim);
  const part = new Float64Array(dim);
  const sketch = new Uint32Array(SKETCH_SIZE).fill(0xffffffff);
  for (const group of GROUPS) {
    part.fill(0);
    const seed = GROUP_SEEDS[group];
    const hashes = groups[group];
    for (let start = 0; start < hashes.length; ) {
      let end = start + 1;
      while (end < hashes.length && hashes[end] === hashes[start]) end++;
      const h = fmix32(((hashes[start] as number) ^ seed) >>> 0);
      const slot = (h & 0x7fffffff) % dim;
      part[slot] = (part[slot] as number) + (h & 0x80000000 ? -1 : 1) * (1 + Math.log(end - start));
      minhashInto(sketch, h);
      start = end;
    }
    let sum = 0;
    for (const value of part) sum += value * value;
    if (sum === 0) continue;
    const scale = GROUP_WEIGHTS[group] / Math.sqrt(sum);
    for (let i = 0; i < dim; i++) vector[i] = (vector[i] as number) + (part[i] as number) * scale;
  }
  densify(sketch);
  // One byte of each minimum is enough: the low byte (uniform, unlike the
  // high bits of a minimum, which is small) agrees by chance 1 time in 256,
  // which barely moves Jaccard estimates, and a band of 4 bytes is still a
  // 32-bit key. Half the bytes in every record and cache entry.
  const bytes = new Uint8Array(SKETCH_SIZE);
  for (let i = 0; i < SKETCH_SIZE; i++) bytes[i] = (sketch[i] as number) & 0xff;
  return { vector: normalize(vector), sketch: bytes };
}

export function embedLocal(code: string, dim = LOCAL_DIM): Float32Array {
  return embedCode(code, dim).vector;
}

// One-permutation MinHash (Li, Owen and Zhang 2012): each feature lands in
// one of SKETCH_SIZE bins by its hash and bids a second hash there; a bin
// keeps the smallest bid. O(features) instead of O(features x SKETCH_SIZE).
// Empty bins (small functions) are filled by rotation densification
// (Shrivastava and Li 2014): the next non-empty bin to the right, salted
// with the distance, so two sets still agree in a bin with probability
// about their Jaccard similarity.
const EMPTY = 0xffffffff;

function minhashInto(sketch: Uint32Array, featureHash: number): void {
  const bin = featureHash % SKETCH_SIZE;
  const bid = fmix32((featureHash ^ 0x5bd1e995) >>> 0);
  if (bid < (sketch[bin] as number)) sketch[bin] = bid;
}

function densify(sketch: Uint32Array): void {
  const size = sketch.length;
  if (sketch.every((value) => value === EMPTY)) return;
  const filled = Uint32Array.from(sketch);
  for (let bin = 0; bin < size; bin++) {
    if (sketch[bin] !== EMPTY) continue;
    let distance = 1;
    while (sketch[(bin + distance) % size] === EMPTY) distance++;
    filled[bin] = fmix32(((sketch[(bin + distance) % size] as number) + Math.imul(distance, 0x9e3779b9)) >>> 0);
  }
  sketch.set(filled);
}

/** FNV-1a with a murmur3 finaliser: fast, and well mixed in every bit (the top bit is the sign). */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

export function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}
