// Every attempt has its own timeout (covering the body too); a timed-out
// attempt is retried, and an aborted signal stops the request at once.
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, request } from '../../runners/lib/http.js';
import { recordingSleep, startServer } from './helpers.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('per-request timeout', () => {
  it('times out a hanging attempt and succeeds on the retry', async () => {
    let calls = 0;
    const server = await startServer((_req, res) => {
      calls++;
      if (calls > 1) res.writeHead(200).end('ok');
    });
    close = server.close;
    const response = await request(server.url, {
      timeoutMs: 500,
      retry: { attempts: 2 },
      sleep: recordingSleep().sleep,
    });
    expect(response.text).toBe('ok');
    expect(response.attempts).toBe(2);
  });

  it('reports a timeout when every attempt hangs', async () => {
    const server = await startServer(() => {});
    close = server.close;
    const error = (await request(server.url, {
      timeoutMs: 100,
      retry: { attempts: 2 },
      sleep: recordingSleep().sleep,
    }).catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/timed out after 100 ms \(attempt 2\)$/);
  });

  it('stops on the caller abort without retrying', async () => {
    let calls = 0;
    const server = await startServer(() => void calls++);
    close = server.close;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by test')), 100);
    const error = await request(server.url, {
      signal: controller.signal,
      timeoutMs: 10_000,
      retry: { attempts: 5 },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('cancelled by test');
    expect(calls).toBe(1);
  });
});
