// A request SonarQube keeps failing after its retries ends in a message that
// names SonarQube and its address, says what went wrong (the server's own
// words when it gave some) and what to do; the fetch stage adds the page.
import { afterEach, describe, expect, it } from 'vitest';
import { SonarClient } from '../../runners/sonarflow/sonar-client.js';
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar, Fault } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues } from '../fixtures/sonarflow/issues.js';
import { TOKEN } from './helpers.js';

let fake: FakeSonar | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const query = { componentKeys: 'demo', statuses: 'OPEN,REOPENED,CONFIRMED' };

async function failing(fault: Fault | undefined, options: { timeoutMs?: number } = {}): Promise<string> {
  fake = await startFakeSonarQube({
    issues: generateIssues(30),
    projectKey: 'demo',
    token: TOKEN,
    faults: () => fault,
  });
  const client = new SonarClient({
    hostUrl: fake.url,
    token: TOKEN,
    retry: { attempts: 2, baseDelayMs: 0 },
    timeoutMs: options.timeoutMs ?? 5000,
  });
  const error = (await client.search(query, 1, 10).catch((e: unknown) => e)) as Error;
  return error.message;
}

describe('SonarQube failures', () => {
  it('a server error gives the server words and says to see its logs', async () => {
    expect(await failing({ kind: '500' })).toBe(
      `SonarQube at ${fake?.url}/ answered HTTP 500 Internal Server Error: An error has occurred. Please contact your administrator (2 attempts); the server failed: see its logs, then run again (pages already fetched are reused)`,
    );
  });

  it("a proxy's 502 page is quoted, since it has no SonarQube message", async () => {
    expect(await failing({ kind: 'proxy-502' })).toBe(
      `SonarQube at ${fake?.url}/ answered HTTP 502 Bad Gateway: <html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html> (2 attempts); the server failed: see its logs, then run again (pages already fetched are reused)`,
    );
  });

  it('an answer cut off halfway says so, not that the server could not be reached', async () => {
    expect(await failing({ kind: 'cut' })).toBe(
      `SonarQube at ${fake?.url}/ answered HTTP 200, but the answer was cut off: UND_ERR_SOCKET (other side closed) (2 attempts); the server or a proxy before it dropped the connection: run again (pages already fetched are reused)`,
    );
  });

  it('a login page instead of JSON asks whether SONAR_HOST_URL is the server', async () => {
    expect(await failing({ kind: 'login-page' })).toBe(
      `SonarQube at ${fake?.url}/ answered something that is not JSON: <!DOCTYPE html><html><head><title>Sign in</title></head><body><form action="/login"></form></body></html>; is SONAR_HOST_URL the SonarQube server itself (not a proxy or a login page)?`,
    );
  });

  it('a server that does not answer says to raise params.requestTimeout', async () => {
    expect(await failing({ kind: 'hang' }, { timeoutMs: 50 })).toBe(
      `SonarQube at ${fake?.url}/ did not answer: timed out after 50 ms (2 attempts); raise params.requestTimeout if the server is slow, then run again`,
    );
  });

  it('a server that is not there says to check SONAR_HOST_URL', async () => {
    fake = await startFakeSonarQube({ issues: [], projectKey: 'demo', token: TOKEN });
    const url = fake.url;
    await fake.close();
    fake = undefined;
    const client = new SonarClient({ hostUrl: url, token: TOKEN, retry: { attempts: 1, baseDelayMs: 0 } });
    await expect(client.search(query, 1, 10)).rejects.toThrow(
      `SonarQube at ${url}/ could not be reached: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${new URL(url).port}) (1 attempt); check SONAR_HOST_URL and that the server is up, then run again`,
    );
  });
});
