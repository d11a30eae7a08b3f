// evaluate with evalProvider=ollama: a valid answer is used as it is (with
// the model named as the evaluator); an answer that is not JSON, does not
// match schemas/boardrev-evaluation.json, or never comes falls back to the
// heuristic with a log line, and the run goes on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateBatch } from '../../runners/boardrev/evaluate.js';
import { defaultRules } from '../../runners/boardrev/rules.js';
import { fakeContext, matchRecord, params } from './helpers.js';

interface Fake {
  url: string;
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function fakeOllama(
  reply: (request: Record<string, unknown>) => { status: number; body: unknown },
): Promise<Fake> {
  const requests: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const request = JSON.parse(body) as Record<string, unknown>;
      requests.push(request);
      const answer = reply(request);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const task = matchRecord({
  status: 'done',
  body: '- [x] `parseConfig` done\n- [ ] `loadPlugins` later',
  found: ['parseConfig'],
});
const answer = {
  inferredStatus: 'in-progress',
  confidence: 0.8,
  summary: 'Half of it is done.',
  actions: ['Finish loadPlugins'],
  blockers: [],
};

async function evaluateWith(
  url: string,
): Promise<{ records: Awaited<ReturnType<typeof evaluateBatch>>; logs: string[] }> {
  const ctx = fakeContext({
    params: params({ evalProvider: 'ollama', evalModel: 'judge' }),
    upstream: { rules: defaultRules() },
  });
  const records = await evaluateBatch([task], { ...ctx, env: { OLLAMA_URL: url } });
  return { records, logs: ctx.logs };
}

describe('evaluate with ollama', () => {
  it('uses a valid answer and names the model', async () => {
    fake = await fakeOllama(() => ({ status: 200, body: { response: JSON.stringify(answer) } }));
    const { records, logs } = await evaluateWith(fake.url);
    expect(records[0]).toMatchObject({
      ...answer,
      evaluator: 'ollama:judge',
      disagrees: true,
      reason: 'Half of it is done.',
    });
    expect(logs).toEqual([]);
    const request = fake.requests[0] ?? {};
    expect(request).toMatchObject({ model: 'judge', stream: false, options: { temperature: 0 } });
    expect((request.format as { required?: string[] }).required).toEqual([
      'inferredStatus',
      'confidence',
      'summary',
      'actions',
      'blockers',
    ]);
    expect(String(request.prompt)).toContain('- loadPlugins: not found anywhere');
  });

  it.each([
    ['not JSON', { response: 'I think it is done.' }, 'the model answered something that is not JSON'],
    [
      'off-schema',
      { response: JSON.stringify({ ...answer, inferredStatus: 'shipped' }) },
      'does not match schemas/boardrev-evaluation.json (/inferredStatus must be equal to one of the allowed values)',
    ],
    [
      'missing keys',
      { response: JSON.stringify({ inferredStatus: 'done' }) },
      "must have required property 'confidence'",
    ],
  ])('falls back to the heuristic on an answer that is %s', async (_, body, why) => {
    fake = await fakeOllama(() => ({ status: 200, body }));
    const { records, logs } = await evaluateWith(fake.url);
    expect(records[0]).toMatchObject({ evaluator: 'heuristic', inferredStatus: 'in-progress', disagrees: true });
    expect(logs[0]).toContain(why);
    expect(logs[0]).toMatch(/; using the heuristic$/);
  });

  it('falls back when the server refuses (a 4xx is not retried)', async () => {
    fake = await fakeOllama(() => ({ status: 404, body: { error: 'model "judge" not found' } }));
    const { records, logs } = await evaluateWith(fake.url);
    expect(records[0]?.evaluator).toBe('heuristic');
    expect(fake.requests).toHaveLength(1);
    expect(logs[0]).toMatch(
      /Ollama at http:\/\/127\.0\.0\.1:\d+ \(POST \/api\/generate\) answered 404: .*; pull the model first: ollama pull judge; using the heuristic$/,
    );
  });

  it('stops asking a server that does not answer, for the rest of the batch', async () => {
    const closed = await fakeOllama(() => ({ status: 200, body: {} }));
    await closed.close();
    const ctx = fakeContext({
      params: params({ evalProvider: 'ollama', evalModel: 'judge' }),
      upstream: { rules: defaultRules() },
    });
    const records = await evaluateBatch([task, { ...task, id: 'u', path: 'examples/board/u.md' }], {
      ...ctx,
      env: { OLLAMA_URL: closed.url },
    });
    expect(records.map((r) => r.evaluator)).toEqual(['heuristic', 'heuristic']);
    expect(ctx.logs[0]).toMatch(
      /^examples\/board\/t\.md: Ollama at \S+ \(POST \/api\/generate\) failed: ECONNREFUSED .*; is Ollama running there\? .*; using the heuristic$/,
    );
    expect(ctx.logs[1]).toBe(
      'examples/board/u.md: not asked: the server was unreachable for an earlier task; using the heuristic',
    );
  });

  it('falls back without a request when OLLAMA_URL is empty', async () => {
    const { records, logs } = await evaluateWith('');
    expect(records[0]?.evaluator).toBe('heuristic');
    expect(logs).toEqual(['examples/board/t.md: OLLAMA_URL is empty; using the heuristic']);
  });
});
