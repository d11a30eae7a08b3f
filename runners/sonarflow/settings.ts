// What the fetching stages read from ctx: HTTP settings from their params,
// the SonarQube server, project and token from their env. Every check fails
// with the name of the setting to fix, and never echoes the token.
import type { StageContext } from '../../src/api.js';
import { parseDurationMs } from '../lib/http.js';
import type { RetryNotice } from '../lib/http.js';
import { SonarClient } from './sonar-client.js';
import type { SonarQuery } from './types.js';

/** Open issues: what a remediation task is about. */
export const OPEN_STATUSES = 'OPEN,REOPENED,CONFIRMED';
export const PAGE_SIZE = 500;

export interface HttpSettings {
  timeoutMs: number;
  retry: { attempts: number; baseDelayMs: number };
}

/** From the stage's params `requestTimeout` (per request), `attempts` (per request), `backoff` (first retry delay). */
export function httpSettings(params: StageContext['params']): HttpSettings {
  const attempts = Number(params.attempts);
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new Error(`params.attempts must be an integer >= 1 (got ${JSON.stringify(params.attempts)})`);
  return {
    timeoutMs: parseDurationMs(params.requestTimeout, 'params.requestTimeout'),
    retry: { attempts, baseDelayMs: parseDurationMs(params.backoff, 'params.backoff') },
  };
}

export interface SonarSettings {
  hostUrl: string;
  token: string;
  projectKey: string;
}

export function sonarSettings(env: StageContext['env']): SonarSettings {
  const hostUrl = (env.SONAR_HOST_URL ?? '').trim();
  const projectKey = (env.SONAR_PROJECT_KEY ?? '').trim();
  const missing = [
    hostUrl === '' ? 'SONAR_HOST_URL (the server, e.g. https://sonarqube.example.com)' : '',
    projectKey === '' ? 'SONAR_PROJECT_KEY' : '',
  ].filter(Boolean);
  if (missing.length > 0) throw new Error(`source=sonarqube needs ${missing.join(' and ')} in the environment`);
  return { hostUrl, token: env.SONAR_TOKEN ?? '', projectKey };
}

export function baseQuery(settings: SonarSettings): SonarQuery {
  return { componentKeys: settings.projectKey, statuses: OPEN_STATUSES };
}

/** A client for the stage: its signal, its HTTP settings, retries logged (scrubbed) to the stage log. */
export function sonarClient(ctx: Pick<StageContext, 'env' | 'params' | 'signal' | 'log'>): {
  client: SonarClient;
  settings: SonarSettings;
} {
  const settings = sonarSettings(ctx.env);
  const http = httpSettings(ctx.params);
  const client = new SonarClient({
    hostUrl: settings.hostUrl,
    token: settings.token,
    timeoutMs: http.timeoutMs,
    retry: http.retry,
    signal: ctx.signal,
    onRetry: (notice: RetryNotice) => ctx.log(`retrying in ${notice.delayMs} ms: ${notice.reason}`),
  });
  return { client, settings };
}
