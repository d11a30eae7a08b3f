// A stand-in for an Ollama server on 127.0.0.1: speaks the wire API of
// POST /api/embed and POST /api/generate (JSON in, JSON out), records every
// request, and answers what the test's handler says (or part of it, then
// drops the connection).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface FakeRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

export interface FakeAnswer {
  status?: number;
  /** Sent as JSON unless it is a string. */
  body: unknown;
  /** Send only this many bytes of the body (its full length announced), then drop the connection: a server that dies mid-answer. */
  cutAfter?: number;
}

export interface FakeOllama {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

export async function fakeOllama(
  handler: (request: FakeRequest, index: number) => FakeAnswer | Promise<FakeAnswer>,
): Promise<FakeOllama> {
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const request: FakeRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        };
        requests.push(request);
        const answer = await handler(request, requests.length - 1);
        const body = Buffer.from(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
        if (answer.cutAfter !== undefined) {
          res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', 'content-length': body.length });
          res.write(body.subarray(0, answer.cutAfter), () => res.destroy());
          return;
        }
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A valid /api/generate answer carrying `plan` as its response text, the way Ollama wraps JSON output. */
/** For a test file: starts fake servers on demand and closes them after each test. */
export function fakeOllamasPerTest(): (...args: Parameters<typeof fakeOllama>) => Promise<FakeOllama> {
  const servers: FakeOllama[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (...args) => {
    const server = await fakeOllama(...args);
    servers.push(server);
    return server;
  };
}

export function generateAnswer(response: unknown, model = 'test-model'): FakeAnswer {
  return {
    body: {
      model,
      created_at: '2025-01-01T00:00:00Z',
      response: typeof response === 'string' ? response : JSON.stringify(response),
      done: true,
    },
  };
}
