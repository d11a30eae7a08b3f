// What a failed call to Ollama says: the service and its address, the call,
// the cause (a refused connection by its code, not fetch's bare "fetch
// failed"), how many attempts, and what to do. An answer cut off mid-body
// is retried like a server error instead of escaping as a bare "terminated".
import { describe, expect, it } from 'vitest';
import { ollamaEmbed } from '../../runners/lib/ollama.js';
import { fakeOllamasPerTest } from './fake-ollama.js';

const serve = fakeOllamasPerTest();
// One retry, no backoff: the messages are the subject, not the waiting.
const embed = (url: string) =>
  ollamaEmbed({ url, model: 'nomic-embed-text', input: ['a', 'b'], retries: 1, backoffMs: 0 });
const vectors = {
  embeddings: [
    [1, 0],
    [0, 1],
  ],
};

describe('Ollama errors', () => {
  it('name a server that is not there, and say to start it or set OLLAMA_URL', async () => {
    const gone = await serve(() => ({ body: vectors }));
    await gone.close();
    const port = new URL(gone.url).port;
    await expect(embed(gone.url)).rejects.toThrow(
      `Ollama at ${gone.url} (POST /api/embed) failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${port}), 2 attempts; is Ollama running there? Start it (\`ollama serve\`) or set OLLAMA_URL to its address`,
    );
  });

  it('say to pull a model the server does not have', async () => {
    const server = await serve(() => ({
      status: 404,
      body: { error: 'model "nomic-embed-text" not found, try pulling it first' },
    }));
    await expect(embed(server.url)).rejects.toThrow(
      `Ollama at ${server.url} (POST /api/embed) answered 404: {"error":"model \\"nomic-embed-text\\" not found, try pulling it first"}; pull the model first: ollama pull nomic-embed-text`,
    );
  });

  it('give the server error after the retries', async () => {
    const server = await serve(() => ({ status: 500, body: { error: 'out of memory' } }));
    await expect(embed(server.url)).rejects.toThrow(
      `Ollama at ${server.url} (POST /api/embed) answered 500: {"error":"out of memory"}, 2 attempts; the server failed (see its log), run again once it answers`,
    );
    expect(server.requests).toHaveLength(2);
  });

  it('retry an answer cut off mid-body, and say so when it stays cut off', async () => {
    const flaky = await serve((_, index) => (index === 0 ? { body: vectors, cutAfter: 10 } : { body: vectors }));
    expect(await embed(flaky.url)).toEqual(vectors.embeddings);
    expect(flaky.requests).toHaveLength(2);

    const broken = await serve(() => ({ body: vectors, cutAfter: 10 }));
    await expect(embed(broken.url)).rejects.toThrow(
      new RegExp(
        `^Ollama at ${broken.url} \\(POST /api/embed\\) answered 200 but the answer was cut off: .+, 2 attempts; run again$`,
      ),
    );
  });

  it('ask whether OLLAMA_URL is an Ollama server when the answer is not JSON', async () => {
    const server = await serve(() => ({ body: '<html>Sign in</html>' }));
    await expect(embed(server.url)).rejects.toThrow(
      `Ollama at ${server.url} (POST /api/embed) answered invalid JSON: <html>Sign in</html>; is OLLAMA_URL the address of an Ollama server?`,
    );
  });
});
