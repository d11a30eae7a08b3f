// Secrets passed to http.ts never appear in its messages: not as given,
// not base64-encoded as in a Basic header, not as URL userinfo.
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, displayUrl, request, scrub } from '../../runners/lib/http.js';
import { TOKEN, recordingSleep, startServer } from './helpers.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('secret scrubbing', () => {
  it('removes a token the server echoes back from the error and the retry notices', async () => {
    const server = await startServer((req, res) =>
      res.writeHead(500).end(`bad auth header: ${req.headers.authorization} for ${TOKEN}`),
    );
    close = server.close;
    const basic = `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`;
    const notices: string[] = [];
    const error = (await request(`${server.url}/api?token=${TOKEN}`, {
      headers: { authorization: basic },
      secrets: [TOKEN],
      retry: { attempts: 2 },
      sleep: recordingSleep().sleep,
      onRetry: (n) => notices.push(n.reason),
    }).catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    const everything = [error.message, error.body, error.stack ?? '', ...notices].join('\n');
    expect(everything).toContain('***');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(Buffer.from(`${TOKEN}:`).toString('base64'));
  });

  it('drops userinfo from URLs it prints', () => {
    expect(displayUrl(`https://${TOKEN}:@sonar.example.com/api`, [TOKEN])).toBe('https://sonar.example.com/api');
    expect(scrub(`x ${TOKEN} y`, [TOKEN])).toBe('x *** y');
  });
});
