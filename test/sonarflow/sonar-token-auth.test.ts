// The client authenticates as SonarQube expects a user token (Basic username
// with an empty password, or Bearer), and a rejected token fails at once
// with a message that says what to do and does not contain the token.
import { afterEach, describe, expect, it } from 'vitest';
import { SonarClient } from '../../runners/sonarflow/sonar-client.js';
import { planPages } from '../../runners/sonarflow/plan-pages.js';
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues } from '../fixtures/sonarflow/issues.js';
import { FAST_HTTP, TOKEN, fakeContext, sonarEnv } from './helpers.js';

let fake: FakeSonar | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const query = { componentKeys: 'demo', statuses: 'OPEN,REOPENED,CONFIRMED' };

describe('SonarQube token auth', () => {
  it.each(['basic', 'bearer'] as const)('is accepted as %s', async (auth) => {
    fake = await startFakeSonarQube({ issues: generateIssues(30), projectKey: 'demo', token: TOKEN });
    const client = new SonarClient({ hostUrl: fake.url, token: TOKEN, auth });
    const response = await client.search(query, 1, 10);
    expect(response.paging).toEqual({ pageIndex: 1, pageSize: 10, total: 30 });
    expect(response.issues).toHaveLength(10);
  });

  it('fails on a wrong token with one request and a message without the token', async () => {
    fake = await startFakeSonarQube({ issues: generateIssues(30), projectKey: 'demo', token: TOKEN });
    const wrong = 'squ_0000wrongwrongwrong0000';
    const ctx = fakeContext({ params: { source: 'sonarqube', ...FAST_HTTP }, env: sonarEnv(fake.url, wrong) });
    const error = (await Promise.resolve(planPages(ctx)).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      `SonarQube at ${fake.url}/ rejected SONAR_TOKEN (HTTP 401): the token is wrong, expired or revoked; generate a new user token`,
    );
    expect(fake.authFailures).toBe(1);
    const everything = [error.message, error.stack ?? '', ...ctx.logs].join('\n');
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(Buffer.from(`${wrong}:`).toString('base64'));
  });

  it('says to set SONAR_TOKEN when the server wants one and none is given', async () => {
    fake = await startFakeSonarQube({ issues: generateIssues(3), projectKey: 'demo', token: TOKEN });
    const client = new SonarClient({ hostUrl: fake.url, token: '' });
    await expect(client.search(query, 1, 1)).rejects.toThrow(
      /requires authentication \(HTTP 401\): set SONAR_TOKEN to a user token/,
    );
  });

  it('names the missing settings', async () => {
    const ctx = fakeContext({ params: { source: 'sonarqube', ...FAST_HTTP }, env: { SONAR_TOKEN: TOKEN } });
    await expect(Promise.resolve(planPages(ctx))).rejects.toThrow(
      'source=sonarqube needs SONAR_HOST_URL (the server, e.g. https://sonarqube.example.com) and SONAR_PROJECT_KEY in the environment',
    );
  });

  it('points at SONAR_PROJECT_KEY when the project does not exist', async () => {
    fake = await startFakeSonarQube({ issues: [], projectKey: 'demo', token: TOKEN });
    const client = new SonarClient({ hostUrl: fake.url, token: TOKEN });
    await expect(client.search({ ...query, componentKeys: 'nope' }, 1, 1)).rejects.toThrow(
      /HTTP 404 \(Component key 'nope' not found\): check SONAR_PROJECT_KEY/,
    );
  });
});
