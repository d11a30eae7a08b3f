// The whole pipeline with both Ollama providers, through the CLI, against a
// fake Ollama on 127.0.0.1 given as OLLAMA_URL: embeddings are requested in
// batches of the stage's batchSize (from worker threads), a 500 is retried,
// and clusters whose plan answer is malformed get the template plan while
// the others get the model's. Vectors of different providers never mix:
// after a local run, switching to Ollama re-embeds every function, and
// switching back finds the local vectors in the cache.
import { afterAll, describe, expect, it } from 'vitest';
import { embedLocal } from '../../runners/lib/embedding.js';
import { fakeOllama, generateAnswer } from './fake-ollama.js';
import { lastRunRecord } from '../e2e/rig.js';
import { fixtureFunctions, simtaskSection, simtaskWorkspace, snapshot, stageSummary } from './helpers.js';

describe('simtask with embedProvider=ollama and planProvider=ollama', () => {
  const ws = simtaskWorkspace();
  const ollamaParams = [
    '--param',
    'embedProvider=ollama',
    '--param',
    'planProvider=ollama',
    '--param',
    'planModel=fake-coder',
  ];
  const batchSize = Number((simtaskSection().stages.embed as { batchSize: number }).batchSize);
  let embedCalls = 0;
  const serverReady = fakeOllama((request, index) => {
    if (request.path === '/api/embed') {
      // The first embed request fails the way a server still loading its model does.
      if (embedCalls++ === 0) return { status: 500, body: { error: 'loading model' } };
      // Vectors from the local embedder, so the fake's clusters are the real ones.
      return {
        body: {
          model: request.body.model,
          embeddings: (request.body.input as string[]).map((text) => Array.from(embedLocal(text))),
        },
      };
    }
    const prompt = String(request.body.prompt);
    const name = /\/\/ \S+ (\S+) \(/.exec(prompt)?.[1] ?? 'shared';
    return index % 2 === 0
      ? generateAnswer('{"title": "oops"')
      : generateAnswer({
          title: `Merge ${name}`,
          summary: 'Same code.',
          canonicalName: 'merged',
          canonicalPath: 'src/merged.ts',
          proposedSignature: 'merged()',
          steps: ['Merge.'],
          risks: [],
          acceptance: ['Merged.'],
        });
  });
  afterAll(async () => {
    ws.remove();
    await (await serverReady).close();
  });

  it('batches embeddings, retries a 500, falls back to the template on malformed plans, and keeps providers apart', async () => {
    const server = await serverReady;
    const local = await ws.run(['exec', 'simtask'], { env: { OLLAMA_URL: server.url } });
    expect(local.code, local.stderr).toBe(0);
    expect(server.requests).toEqual([]);
    const result = await ws.run(['exec', 'simtask', ...ollamaParams], { env: { OLLAMA_URL: server.url } });
    expect(result.code, result.stderr).toBe(0);
    expect(stageSummary(lastRunRecord(ws), 'embed').items?.cached).toBe(0);

    const embeds = server.requests.filter((r) => r.path === '/api/embed');
    const inputs = embeds.slice(1).map((r) => r.body.input as string[]);
    expect(embeds.every((r) => r.method === 'POST' && r.body.model === 'nomic-embed-text')).toBe(true);
    expect(inputs.every((batch) => batch.length >= 1 && batch.length <= batchSize)).toBe(true);
    expect(inputs.flat().sort()).toEqual(
      fixtureFunctions()
        .map((f) => f.normalized)
        .sort(),
    );

    const generates = server.requests.filter((r) => r.path === '/api/generate');
    const tasks = [...snapshot(ws.path('tasks', 'simtask')).values()];
    expect(tasks.length).toBe(generates.length);
    expect(tasks.length).toBeGreaterThan(10);
    const byModel = tasks.filter((t) => t.includes('planner ollama:fake-coder'));
    const byTemplate = tasks.filter((t) => t.includes('planner template'));
    expect(byModel.length).toBeGreaterThan(0);
    expect(byTemplate.length).toBeGreaterThan(0);
    expect(byModel.length + byTemplate.length).toBe(tasks.length);
    expect(tasks.every((t) => t.includes('embedder ollama:nomic-embed-text:512'))).toBe(true);

    const back = await ws.run(['exec', 'simtask'], { env: { OLLAMA_URL: server.url } });
    expect(back.code, back.stderr).toBe(0);
    const embed = stageSummary(lastRunRecord(ws), 'embed').items;
    expect(embed?.cached).toBe(embed?.total);
  }, 120_000);
});
