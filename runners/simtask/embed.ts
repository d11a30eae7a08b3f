// simtask/embed: one vector per function. Provider `local` (default) is the
// deterministic feature-hashing embedder in runners/lib/embedding.ts;
// provider `ollama` posts each batch to OLLAMA_URL/api/embed.
//
// Cache: the item key is the hash of the function's normalized code, so a
// function that moved, or whose file changed elsewhere, is not re-embedded;
// `emit` takes identity (id, file, lines) from the current item. The
// provider, model and dimension (`provider:model:dim`) reach the item key
// through the stage's params (embedProvider, embedModel), which are part of
// every item key's scope: key(item) is given no ctx, so it cannot name them
// itself. They are also stored with each cached vector and on each record,
// and cluster refuses to mix vectors of different embedders.
import { defineMap } from '../../src/api.js';
import type { StageContext } from '../../src/api.js';
import { embedCode, LOCAL_DIM, LOCAL_EMBEDDER } from '../lib/embedding.js';
import { ollamaEmbed } from '../lib/ollama.js';
import { encodeSketch, encodeVector } from '../lib/vector-codec.js';
import type { EmbedRecord, ScanRecord } from './types.js';

/** What the item cache keeps per normalized code: the embedder, the encoded vector (and sketch). */
export interface Embedding {
  embedder: string;
  vector: string;
  sketch?: string;
}

export async function embedBatch(
  items: ScanRecord[],
  ctx: Pick<StageContext, 'params' | 'env' | 'signal'>,
): Promise<Embedding[]> {
  const provider = String(ctx.params.embedProvider);
  if (provider === 'local') {
    const embedder = `${LOCAL_EMBEDDER}:${LOCAL_DIM}`;
    return items.map((item) => {
      const { vector, sketch } = embedCode(item.normalized);
      return { embedder, vector: encodeVector(vector), sketch: encodeSketch(sketch) };
    });
  }
  if (provider === 'ollama') {
    const model = String(ctx.params.embedModel);
    const url = ctx.env.OLLAMA_URL;
    if (!url) throw new Error('embedProvider is ollama but OLLAMA_URL is empty');
    const vectors = await ollamaEmbed({ url, model, input: items.map((item) => item.normalized), signal: ctx.signal });
    return vectors.map((vector) => ({ embedder: `ollama:${model}:${vector.length}`, vector: encodeVector(vector) }));
  }
  throw new Error(`embedProvider must be local or ollama, not ${JSON.stringify(provider)}`);
}

export function embedRecord(item: ScanRecord, result: Embedding): EmbedRecord {
  const { code: _code, normalized: _normalized, ...info } = item;
  return {
    ...info,
    embedder: result.embedder,
    vector: result.vector,
    ...(result.sketch ? { sketch: result.sketch } : {}),
  };
}

export const embed = defineMap<ScanRecord, Embedding>({
  batch: embedBatch,
  key: (item) => `simtask-embed:${item.codeHash}`,
  emit: embedRecord,
});
