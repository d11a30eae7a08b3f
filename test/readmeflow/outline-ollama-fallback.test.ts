// outlineProvider: ollama asks /api/generate for a tagline and an overview
// (the schema as `format`, temperature 0) and uses them only when the answer
// matches schemas/readmeflow-outline.json; a malformed answer, one that
// breaks the schema (markdown, code), a failing server or no OLLAMA_URL all
// give the template's section, with the reason logged. Facts never come
// from the model: the sections below the overview are the template's.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outlinePackage } from '../../runners/readmeflow/outline.js';
import { renderOutline } from '../../runners/readmeflow/outline-template.js';
import type { ScanRecord } from '../../runners/readmeflow/types.js';
import { copyFixture, fakeContext, runInProcess, tempDir } from './helpers.js';

let server: http.Server;
let url = '';
let answer: (body: Record<string, unknown>) => { status: number; text: string } = () => ({ status: 200, text: '{}' });
const requests: Record<string, unknown>[] = [];
let record: ScanRecord;
let dir = '';

beforeAll(async () => {
  dir = tempDir();
  copyFixture('workspace', path.join(dir, 'ws'));
  const run = await runInProcess(dir, 'ws');
  record = run.scans.find((s) => s.name === '@fx/alpha') as ScanRecord;
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      requests.push(parsed);
      const { status, text } = answer(parsed);
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const ollama = (env: Record<string, string> = { OLLAMA_URL: url }) =>
  fakeContext({ root: dir, params: { outlineProvider: 'ollama', outlineModel: 'tiny' }, env });
const generated = (response: unknown) => () => ({
  status: 200,
  text: JSON.stringify({ response: typeof response === 'string' ? response : JSON.stringify(response) }),
});

describe('outline with ollama', () => {
  it('uses prose that matches the schema, and only the prose', async () => {
    const prose = {
      tagline: 'Friendly greetings for everyone.',
      overview: 'Alpha builds greeting strings. Use it when a program needs to say hello politely.',
    };
    answer = generated(prose);
    const ctx = ollama();
    const outline = await outlinePackage(record, ctx);
    expect(outline).toEqual({ markdown: renderOutline(record, prose), generator: 'ollama:tiny' });
    expect(outline.markdown).toContain('> Friendly greetings for everyone.\n\nversion 1.0.0');
    const request = requests.at(-1) ?? {};
    expect(request).toMatchObject({ model: 'tiny', stream: false, options: { temperature: 0 } });
    expect((request.format as { $id?: string }).$id).toBe('https://runner.dev/schemas/readmeflow-outline.json');
    expect(String(request.prompt)).toContain('function greet(name: string): string');
  });

  it.each([
    [
      'markdown in the prose',
      generated({ tagline: 'Greets.', overview: '## Usage\n\n```js\ngreet()\n```' }),
      'does not match schemas/readmeflow-outline.json',
    ],
    [
      'an extra key',
      generated({ tagline: 'Friendly greetings for everyone.', overview: 'x'.repeat(50), install: 'npm i' }),
      'must NOT have additional properties',
    ],
    ['text that is not JSON', generated('Sure! Here is your README:'), 'is not JSON'],
    ['a server error', () => ({ status: 500, text: 'model is loading' }), 'answered 500: model is loading'],
  ])('falls back to the template on %s', async (_what, reply, reason) => {
    answer = reply;
    const ctx = ollama();
    expect(await outlinePackage(record, ctx)).toEqual({ markdown: renderOutline(record), generator: 'template' });
    expect(ctx.logs.join('\n')).toContain(reason);
  });

  it('falls back without asking when OLLAMA_URL is empty', async () => {
    const before = requests.length;
    const ctx = ollama({});
    expect((await outlinePackage(record, ctx)).generator).toBe('template');
    expect(ctx.logs).toEqual(['@fx/alpha: OLLAMA_URL is empty; using the template']);
    expect(requests.length).toBe(before);
  });
});
