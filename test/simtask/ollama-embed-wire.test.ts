// The ollama embed provider against a fake Ollama: one POST /api/embed per
// batch with { model, input: [normalized code...] }, vectors encoded with
// `ollama:<model>:<dim>`, a 500 answer retried, a malformed answer an error
// (the engine then fails or retries those items: there is no fallback for
// vectors, mixing embedders would make every similarity meaningless).
import { describe, expect, it } from 'vitest';
import { cosine } from '../../runners/lib/embedding.js';
import { decodeVector } from '../../runners/lib/vector-codec.js';
import { embedBatch } from '../../runners/simtask/embed.js';
import { fakeOllamasPerTest } from './fake-ollama.js';
import { fixtureFunctions } from './helpers.js';

const serve = fakeOllamasPerTest();

const items = fixtureFunctions().slice(0, 3);
const ctxFor = (url: string) => ({
  params: { embedProvider: 'ollama', embedModel: 'nomic-embed-text' },
  env: { OLLAMA_URL: url },
  signal: new AbortController().signal,
});
const vectorFor = (text: string): number[] => [text.length, 1, 0.5, -2];

describe('embed with provider ollama', () => {
  it('posts one batch to /api/embed and keeps the order of the answers', async () => {
    const server = await serve((request) => ({
      body: { model: 'nomic-embed-text', embeddings: (request.body.input as string[]).map(vectorFor) },
    }));
    const results = await embedBatch(items, ctxFor(server.url));
    expect(server.requests).toEqual([
      {
        method: 'POST',
        path: '/api/embed',
        body: { model: 'nomic-embed-text', input: items.map((i) => i.normalized) },
      },
    ]);
    expect(results.map((r) => r.embedder)).toEqual(items.map(() => 'ollama:nomic-embed-text:4'));
    expect(results.every((r) => r.sketch === undefined)).toBe(true);
    for (const [i, item] of items.entries()) {
      const expected = Float32Array.from(vectorFor(item.normalized));
      expect(cosine(decodeVector(results[i]?.vector ?? ''), expected) / Math.hypot(...expected)).toBeCloseTo(1, 2);
    }
  });

  it('retries an answer of 500', async () => {
    const server = await serve((request, index) =>
      index === 0
        ? { status: 500, body: { error: 'model is loading' } }
        : { body: { embeddings: (request.body.input as string[]).map(vectorFor) } },
    );
    const results = await embedBatch(items, ctxFor(server.url));
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.body).toEqual(server.requests[0]?.body);
    expect(results).toHaveLength(3);
  });

  it('rejects a malformed answer instead of inventing vectors', async () => {
    const short = await serve(() => ({ body: { embeddings: [[1, 2]] } }));
    await expect(embedBatch(items, ctxFor(short.url))).rejects.toThrow(/answered a list of 1 for 3 inputs/);
    const garbled = await serve(() => ({ body: 'not json' }));
    await expect(embedBatch(items, ctxFor(garbled.url))).rejects.toThrow(/invalid JSON/);
  });

  it('does not retry a client error', async () => {
    const server = await serve(() => ({
      status: 404,
      body: { error: 'model "nomic-embed-text" not found, try pulling it first' },
    }));
    await expect(embedBatch(items, ctxFor(server.url))).rejects.toThrow(/answered 404/);
    expect(server.requests).toHaveLength(1);
  });
});
