// A local, deterministic embedding for prose and for code read as prose:
// what a task description and the code it is about have in common is their
// vocabulary (`ItemCache`, "item cache", `item-cache.ts`), not their syntax.
// So where embedding.ts (embedCode) weighs token shapes, this one weighs
// words. Three feature groups, each feature-hashed with a sign (collisions
// cancel on average), L2-normalised on its own and mixed with fixed weights,
// as in embedCode, so the cosine is a weighted average of per-group cosines:
//   words    lower-cased sub-words of every identifier or word (camelCase,
//            snake_case and kebab-case split, light plural/verb stemming),
//            plus the whole compound (`itemcache`), stop words dropped
//   pairs    adjacent word pairs: "item cache" is closer to "item cache"
//            than to "cache item"
//   chars    character trigrams of words: `chunk` ~ `chunking`
// Sub-linear tf (1 + ln tf). No corpus statistics (no IDF): an item's vector
// depends on its own text only, which is what lets a per-file item cache
// keep it. embedTexts picks this embedder or Ollama's /api/embed.
import { fmix32, hash32, LOCAL_DIM, normalize, splitIdentifier } from './embedding.js';
import { ollamaEmbed } from './ollama.js';

export const TEXT_EMBEDDER = 'local:text-hash-v1';

const WEIGHTS = { words: 1, pairs: 0.45, chars: 0.5 } as const;
type Group = keyof typeof WEIGHTS;
const SEEDS: Record<Group, number> = { words: 0x27d4eb2f, pairs: 0x165667b1, chars: 0x9e3779b1 };

// English function words, JS/TS keywords and path noise: frequent everywhere, telling nowhere.
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does done each either for from had has have how if in into is it its ' +
    'may might more most must no nor not of on once only or other our out over own same shall should so some such than that the ' +
    'their them then there these they this those through to too under until up upon very was we were what when where which while ' +
    'who whom why will with would you your also just any all both few new now one two use used uses using via per get set let ' +
    'const var function return export import type interface class extends implements async await true false null undefined void ' +
    'string number boolean readonly private public protected static this default case break continue else throw try catch finally ' +
    'typeof instanceof yield of ts js mjs cjs md json yaml yml src lib test tests'
  ).split(' '),
);

const WORD = /[A-Za-z][A-Za-z0-9_$]*(?:-[A-Za-z0-9]+)*/g;

/** Crude suffix stripping: enough to make `chunks`/`chunk` and `caching`/`cached`/`cache` meet. */
export function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('es') && /(ch|sh|x|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return word.slice(0, -1);
  return word;
}

/** The words of a text, in order: identifiers split into sub-words, stemmed, stop words dropped. */
export function textWords(text: string): { words: string[]; compounds: string[] } {
  const words: string[] = [];
  const compounds: string[] = [];
  for (const match of text.matchAll(WORD)) {
    const parts = splitIdentifier(match[0]);
    if (parts.length > 1) {
      const compound = parts.join('');
      if (!STOP_WORDS.has(compound)) compounds.push(compound);
    }
    for (const part of parts) {
      if (part.length < 2 || STOP_WORDS.has(part) || /^\d+$/.test(part)) continue;
      words.push(dropFinalE(stem(part)));
    }
  }
  return { words, compounds };
}

// `cach` (from caching, cached) and `cache` must meet: a final e is dropped from every word.
function dropFinalE(word: string): string {
  return word.length > 3 && word.endsWith('e') ? word.slice(0, -1) : word;
}

/** A unit vector of `dim` floats (all zeros for a text without words). */
export function embedText(text: string, dim = LOCAL_DIM): Float32Array {
  const { words, compounds } = textWords(text);
  const groups: Record<Group, Map<number, number>> = { words: new Map(), pairs: new Map(), chars: new Map() };
  const add = (group: Group, feature: number): void => {
    const map = groups[group];
    map.set(feature, (map.get(feature) ?? 0) + 1);
  };
  for (const word of [...words, ...compounds]) {
    add('words', hash32(word));
    const padded = `^${word}$`;
    for (let i = 0; i + 3 <= padded.length; i++) add('chars', hash32(padded.slice(i, i + 3)));
  }
  for (let i = 0; i + 1 < words.length; i++) add('pairs', hash32(`${words[i] ?? ''} ${words[i + 1] ?? ''}`));

  const vector = new Float32Array(dim);
  const part = new Float64Array(dim);
  for (const group of Object.keys(WEIGHTS) as Group[]) {
    part.fill(0);
    for (const [feature, tf] of groups[group]) {
      const h = fmix32((feature ^ SEEDS[group]) >>> 0);
      const slot = (h & 0x7fffffff) % dim;
      part[slot] = (part[slot] as number) + (h & 0x80000000 ? -1 : 1) * (1 + Math.log(tf));
    }
    let sum = 0;
    for (const value of part) sum += value * value;
    if (sum === 0) continue;
    const scale = WEIGHTS[group] / Math.sqrt(sum);
    for (let i = 0; i < dim; i++) vector[i] = (vector[i] as number) + (part[i] as number) * scale;
  }
  return normalize(vector);
}

export interface TextEmbedderOptions {
  /** `local` (embedText, offline) or `ollama` (POST url/api/embed with `model`). */
  provider: string;
  model: string;
  /** The Ollama base URL (a stage's OLLAMA_URL); only for provider ollama. */
  url?: string;
  signal?: AbortSignal;
}

export interface EmbeddedTexts {
  /** `provider:model:dim`: vectors with different tags must never be compared. */
  embedder: string;
  /** Unit vectors, one per text, in order. */
  vectors: Float32Array[];
}

/** Embeds prose (or code read as prose) with the local embedder or Ollama's. */
export async function embedTexts(texts: string[], options: TextEmbedderOptions): Promise<EmbeddedTexts> {
  if (options.provider === 'local')
    return { embedder: `${TEXT_EMBEDDER}:${LOCAL_DIM}`, vectors: texts.map((text) => embedText(text)) };
  if (options.provider !== 'ollama')
    throw new Error(`embedProvider must be local or ollama, not ${JSON.stringify(options.provider)}`);
  if (!options.url) throw new Error('embedProvider is ollama but OLLAMA_URL is empty');
  if (texts.length === 0) return { embedder: `ollama:${options.model}:0`, vectors: [] };
  const answers = await ollamaEmbed({ url: options.url, model: options.model, input: texts, signal: options.signal });
  const vectors = answers.map((vector) => normalize(Float32Array.from(vector)));
  return { embedder: `ollama:${options.model}:${vectors[0]?.length ?? 0}`, vectors };
}
