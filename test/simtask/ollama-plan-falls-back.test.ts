// The ollama planner against a fake Ollama: the request (/api/generate,
// format json, temperature 0, no streaming, the members' code in the
// prompt, read from the workspace); a valid answer is used as the plan; a
// 500 is retried; an answer
// that is not JSON, or JSON that does not match the plan schema, or no
// server at all, falls back to the template plan.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planCluster } from '../../runners/simtask/plan.js';
import { templatePlan } from '../../runners/simtask/plan-template.js';
import type { ClusterRecord, Plan } from '../../runners/simtask/types.js';
import { fakeOllamasPerTest, generateAnswer } from './fake-ollama.js';
import { FIXTURE_WORKSPACE, fixturePlans, fixtureWorkspaceApi } from './helpers.js';

const serve = fakeOllamasPerTest();

const [first] = await fixturePlans();
if (!first) throw new Error('the fixture has no clusters');
const { plan: _plan, planner: _planner, ...cluster } = first satisfies ClusterRecord;
const template = templatePlan(cluster);
const modelPlan: Plan = {
  title: 'Merge the copies',
  summary: 'They are the same.',
  canonicalName: 'shared',
  canonicalPath: 'src/shared.ts',
  proposedSignature: 'shared(x: number): number',
  steps: ['Move it.', 'Call it.'],
  risks: [],
  acceptance: ['One copy left.'],
};
const logs: string[] = [];
const ctxFor = (url: string) => ({
  params: { planProvider: 'ollama', planModel: 'qwen2.5-coder:7b' },
  env: { OLLAMA_URL: url },
  signal: new AbortController().signal,
  log: (l: string) => logs.push(l),
  workspace: fixtureWorkspaceApi(),
});

describe('plan with provider ollama', () => {
  it('asks /api/generate for JSON at temperature 0 and uses a valid answer', async () => {
    const server = await serve(() => generateAnswer(modelPlan));
    const record = await planCluster(cluster, ctxFor(server.url));
    expect(record.plan).toEqual(modelPlan);
    expect(record.planner).toBe('ollama:qwen2.5-coder:7b');
    const [request] = server.requests;
    expect(request?.path).toBe('/api/generate');
    expect(request?.body).toMatchObject({
      model: 'qwen2.5-coder:7b',
      format: 'json',
      stream: false,
      options: { temperature: 0 },
    });
    for (const member of cluster.members) {
      const firstLine =
        fs.readFileSync(path.join(FIXTURE_WORKSPACE, member.file), 'utf8').split('\n')[member.startLine - 1] ?? '';
      expect(firstLine).toContain(member.name);
      expect(request?.body.prompt).toContain(firstLine);
    }
  });

  it('retries an answer of 500', async () => {
    const server = await serve((_request, index) =>
      index === 0 ? { status: 500, body: { error: 'busy' } } : generateAnswer(modelPlan),
    );
    expect((await planCluster(cluster, ctxFor(server.url))).planner).toBe('ollama:qwen2.5-coder:7b');
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    ['an answer that is not JSON', 'Sure! Here is the plan: merge them.'],
    ['JSON without the required fields', { title: 'Merge', steps: 'one' }],
    ['JSON with unknown fields', { ...modelPlan, mood: 'happy' }],
  ])('falls back to the template on %s', async (_what, response) => {
    const server = await serve(() => generateAnswer(response));
    const record = await planCluster(cluster, ctxFor(server.url));
    expect(record.planner).toBe('template');
    expect(record.plan).toEqual(template);
    expect(logs.at(-1)).toMatch(/using the template plan/);
  });

  it('falls back to the template when the wrapper itself is malformed', async () => {
    const server = await serve(() => ({ body: { done: true } }));
    expect((await planCluster(cluster, ctxFor(server.url))).planner).toBe('template');
  });
});
