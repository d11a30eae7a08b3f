// plan: the template by default; with provider=ollama, Ollama's JSON answer
// (format json, temperature 0) when it matches schemas/sonarflow-plan.json,
// else the template, with the reason in the stage log.
import { afterEach, describe, expect, it } from 'vitest';
import { plan, templatePlan } from '../../runners/sonarflow/plan.js';
import type { BundleRecord } from '../../runners/sonarflow/types.js';
import { fakeContext, startServer } from './helpers.js';

const bundle: BundleRecord = {
  id: 'complexity--src-engine-0a1b2c3d',
  rule: 'complexity',
  prefix: 'src/engine',
  priority: 'P2',
  topSeverity: 'MAJOR',
  types: ['CODE_SMELL'],
  tags: [],
  count: 1,
  effortMinutes: 0,
  issues: [
    {
      key: 'k1',
      file: 'src/engine/run.ts',
      line: 10,
      message: 'Function has a complexity of 19.',
      severity: 'MAJOR',
      effort: null,
    },
  ],
};

const good = {
  title: 'Simplify run.ts',
  summary: 'Split the long function.',
  steps: ['Extract helpers'],
  acceptance: ['complexity <= 12'],
};

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function ollamaAnswering(response: unknown): Promise<{ url: string; bodies: Record<string, unknown>[] }> {
  const bodies: Record<string, unknown>[] = [];
  const server = await startServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ model: 'm', response, done: true }));
    });
  });
  close = server.close;
  return { url: server.url, bodies };
}

const ollamaCtx = (url: string) =>
  fakeContext({ params: { provider: 'ollama', model: 'llama3.2' }, env: { OLLAMA_URL: url } });

describe('plan', () => {
  it('uses the template by default', async () => {
    const result = await plan(bundle, fakeContext({ params: { provider: 'template', model: 'x' } }));
    expect(result).toEqual({ ...bundle, plan: templatePlan(bundle), planner: 'template' });
    expect(result.plan.title).toBe('Fix 1 complexity issue in src/engine');
  });

  it("uses Ollama's answer when it matches the schema", async () => {
    const { url, bodies } = await ollamaAnswering(JSON.stringify(good));
    const result = await plan(bundle, ollamaCtx(url));
    expect(result.plan).toEqual(good);
    expect(result.planner).toBe('ollama:llama3.2');
    expect(bodies[0]).toMatchObject({ model: 'llama3.2', format: 'json', stream: false, options: { temperature: 0 } });
    expect(String(bodies[0]?.prompt)).toContain('src/engine/run.ts:10 [MAJOR] Function has a complexity of 19.');
  });

  it('falls back to the template when the answer misses a field', async () => {
    const { url } = await ollamaAnswering(JSON.stringify({ title: 'x'.repeat(10), summary: 's', steps: [] }));
    const ctx = ollamaCtx(url);
    const result = await plan(bundle, ctx);
    expect(result.plan).toEqual(templatePlan(bundle));
    expect(result.planner).toBe('template (ollama fallback)');
    expect(ctx.logs[0]).toContain('does not match schemas/sonarflow-plan.json');
    expect(ctx.logs[0]).toContain("must have required property 'acceptance'");
  });

  it('falls back when the answer is not JSON or Ollama is unreachable', async () => {
    const { url } = await ollamaAnswering('Sure! Here is a plan: ...');
    const notJson = ollamaCtx(url);
    expect((await plan(bundle, notJson)).planner).toBe('template (ollama fallback)');
    expect(notJson.logs[0]).toContain('the model did not answer JSON');
    await close?.();
    close = undefined;
    const down = ollamaCtx(url);
    expect((await plan(bundle, down)).planner).toBe('template (ollama fallback)');
    expect(down.logs[0]).toMatch(
      /ollama plan unusable \(POST http:\/\/127\.0\.0\.1:\d+\/api\/generate failed: ECONNREFUSED/,
    );
  });
});
