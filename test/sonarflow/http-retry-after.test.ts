// A 429 (or 503) with Retry-After waits what the server asked, in seconds
// or as an HTTP date, capped by maxRetryAfterMs; without it, the backoff.
import { afterEach, describe, expect, it } from 'vitest';
import { parseRetryAfter, request } from '../../runners/lib/http.js';
import { recordingSleep, startServer } from './helpers.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('Retry-After', () => {
  it('waits the seconds a 429 asks for, then succeeds', async () => {
    let calls = 0;
    const server = await startServer((_req, res) => {
      calls++;
      if (calls <= 2) res.writeHead(429, { 'retry-after': calls === 1 ? '3' : '1' }).end();
      else res.writeHead(200).end('ok');
    });
    close = server.close;
    const { delays, sleep } = recordingSleep();
    const response = await request(server.url, { retry: { attempts: 4, baseDelayMs: 10 }, sleep });
    expect(response.text).toBe('ok');
    expect(delays).toEqual([3000, 1000]);
  });

  it('caps a long Retry-After at maxRetryAfterMs', async () => {
    let calls = 0;
    const server = await startServer((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(429, { 'retry-after': '3600' }).end();
      else res.writeHead(200).end('ok');
    });
    close = server.close;
    const { delays, sleep } = recordingSleep();
    await request(server.url, { retry: { attempts: 2, maxRetryAfterMs: 5000 }, sleep });
    expect(delays).toEqual([5000]);
  });

  it('backs off when a 429 has no Retry-After', async () => {
    let calls = 0;
    const server = await startServer((_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 429 : 200).end();
    });
    close = server.close;
    const { delays, sleep } = recordingSleep();
    await request(server.url, { retry: { attempts: 2, baseDelayMs: 200 }, sleep, random: () => 0 });
    expect(delays).toEqual([100]);
  });

  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
