// runners/lib/http.ts retries 5xx and network errors with exponential
// backoff and jitter, and gives up at once on other 4xx.
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, request } from '../../runners/lib/http.js';
import { recordingSleep, startServer } from './helpers.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('http retries', () => {
  it('retries 500 and 503 until the server recovers, backing off exponentially with jitter', async () => {
    let calls = 0;
    const server = await startServer((_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 500 : calls === 2 ? 503 : calls === 3 ? 502 : 200).end(calls > 3 ? 'ok' : 'down');
    });
    close = server.close;
    const { delays, sleep } = recordingSleep();
    const jitter = [0, 0.5, 1];
    const response = await request(server.url, {
      retry: { attempts: 5, baseDelayMs: 100 },
      sleep,
      random: () => jitter.shift() ?? 0,
    });
    expect(response.text).toBe('ok');
    expect(response.attempts).toBe(4);
    // retry n waits in [d/2, d] with d = 100 * 2^(n-1): here the low end, the middle, the high end.
    expect(delays).toEqual([50, 150, 400]);
  });

  it('draws every delay from [d/2, d] and caps d at maxDelayMs', async () => {
    const server = await startServer((_req, res) => res.writeHead(500).end());
    close = server.close;
    const { delays, sleep } = recordingSleep();
    const error = await request(server.url, { retry: { attempts: 6, baseDelayMs: 100, maxDelayMs: 500 }, sleep }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).attempts).toBe(6);
    const caps = [100, 200, 400, 500, 500];
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual((caps[i] ?? 0) / 2);
      expect(delay).toBeLessThanOrEqual(caps[i] ?? 0);
    });
  });

  it('does not retry a 404 and keeps the body for the caller', async () => {
    let calls = 0;
    const server = await startServer((_req, res) => {
      calls++;
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"msg":"not here"}]}');
    });
    close = server.close;
    const error = (await request(`${server.url}/x`, { retry: { attempts: 4 }, sleep: recordingSleep().sleep }).catch(
      (e: unknown) => e,
    )) as HttpError;
    expect(calls).toBe(1);
    expect(error.status).toBe(404);
    expect(error.body).toContain('not here');
    expect(error.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/x failed: HTTP 404 Not Found: /);
  });

  it('retries connection errors and reports the cause when they persist', async () => {
    const server = await startServer((req) => req.socket.destroy());
    close = server.close;
    const { delays, sleep } = recordingSleep();
    const error = (await request(server.url, { retry: { attempts: 3, baseDelayMs: 10 }, sleep }).catch(
      (e: unknown) => e,
    )) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.kind).toBe('network');
    expect(error.attempts).toBe(3);
    expect(delays).toHaveLength(2);
    expect(error.message).toContain('(attempt 3)');
  });
});
