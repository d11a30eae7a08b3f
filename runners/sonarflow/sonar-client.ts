// The one SonarQube Web API call sonarflow makes: GET /api/issues/search.
// Auth as SonarQube expects a user token: the HTTP Basic username with an
// empty password (every version), or `Authorization: Bearer` (10.0+).
// Failures are turned into messages that say what to do, and never contain
// the token (http.ts scrubs it, and the URL carries no credentials).
import { HttpError, displayUrl, requestJson } from '../lib/http.js';
import type { RetryNotice, RetryPolicy } from '../lib/http.js';
import type { SonarQuery } from './types.js';

/** SonarQube refuses `p * ps` above this (Elasticsearch's result window). */
export const RESULT_LIMIT = 10_000;
export const MAX_PAGE_SIZE = 500;
/** The order pages are fetched in: stable while the project is unchanged. */
export const PAGE_SORT = { field: 'CREATION_DATE', isAscending: true } as const;

export interface SonarIssue {
  key: string;
  rule: string;
  severity?: string;
  type?: string;
  component: string;
  project?: string;
  line?: number;
  message?: string;
  effort?: string;
  debt?: string;
  tags?: string[];
  creationDate?: string;
  status?: string;
}

export interface SearchResponse {
  paging: { pageIndex: number; pageSize: number; total: number };
  issues: SonarIssue[];
  components?: { key: string; path?: string; longName?: string }[];
  facets?: { property: string; values: { val: string; count: number }[] }[];
}

export interface SearchOptions {
  /** Sort field (`CREATION_DATE`) and direction. */
  sort?: { field: string; isAscending: boolean };
  facets?: string;
}

export interface SonarClientOptions {
  hostUrl: string;
  token: string;
  auth?: 'basic' | 'bearer';
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  onRetry?(notice: RetryNotice): void;
  random?(): number;
  fetch?: typeof fetch;
}

/** SonarQube's answer to a page past the 10,000th result. */
export class ResultWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultWindowError';
  }
}

export class SonarClient {
  readonly #options: SonarClientOptions;
  readonly #base: string;

  constructor(options: SonarClientOptions) {
    if (!/^https?:\/\//.test(options.hostUrl)) {
      throw new Error(
        `SONAR_HOST_URL must be an http(s) URL such as https://sonarqube.example.com (got ${JSON.stringify(displayUrl(options.hostUrl, [options.token]))})`,
      );
    }
    this.#options = options;
    this.#base = options.hostUrl.replace(/\/+$/, '');
  }

  async search(
    query: SonarQuery,
    page: number,
    pageSize: number,
    options: SearchOptions = {},
  ): Promise<SearchResponse> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (typeof value === 'string' && value !== '') params.set(name, value);
    params.set('p', String(page));
    params.set('ps', String(pageSize));
    if (options.sort) {
      params.set('s', options.sort.field);
      params.set('asc', String(options.sort.isAscending));
    }
    if (options.facets) params.set('facets', options.facets);
    const url = `${this.#base}/api/issues/search?${params.toString()}`;
    let body: SearchResponse;
    try {
      body = await requestJson<SearchResponse>(url, {
        headers: this.#headers(),
        signal: this.#options.signal,
        timeoutMs: this.#options.timeoutMs,
        retry: this.#options.retry,
        secrets: this.#secrets(),
        onRetry: this.#options.onRetry,
        random: this.#options.random,
        fetch: this.#options.fetch,
      });
    } catch (error) {
      throw this.#explain(error);
    }
    if (!body || typeof body !== 'object' || !Array.isArray(body.issues) || typeof body.paging?.total !== 'number') {
      throw new Error(
        `${displayUrl(url)}: not an /api/issues/search response (no issues[] and paging.total); is SONAR_HOST_URL the SonarQube server?`,
      );
    }
    return body;
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const { token } = this.#options;
    if (token === '') return headers;
    headers.authorization =
      this.#options.auth === 'bearer' ? `Bearer ${token}` : `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
    return headers;
  }

  #secrets(): string[] {
    return this.#options.token === '' ? [] : [this.#options.token];
  }

  #explain(error: unknown): Error {
    if (!(error instanceof HttpError)) return error as Error;
    const host = displayUrl(this.#base, this.#secrets());
    const server = sonarMessage(error.body);
    switch (error.status) {
      case 401:
        return new Error(
          this.#options.token === ''
            ? `SonarQube at ${host} requires authentication (HTTP 401): set SONAR_TOKEN to a user token`
            : `SonarQube at ${host} rejected SONAR_TOKEN (HTTP 401${server ? `: ${server}` : ''}): the token is wrong, expired or revoked; generate a new user token`,
        );
      case 403:
        return new Error(
          `SonarQube at ${host} refused access (HTTP 403${server ? `: ${server}` : ''}): the token's user needs Browse permission on the project`,
        );
      case 404:
        return new Error(
          `SonarQube at ${host} answered HTTP 404${server ? ` (${server})` : ''}: check SONAR_PROJECT_KEY and that SONAR_HOST_URL points at the server root`,
        );
      case 400:
        if (server && /only the first \d+ results/i.test(server))
          return new ResultWindowError(`SonarQube refused a page past its result limit: ${server}`);
        return new Error(`SonarQube at ${host} refused the request (HTTP 400${server ? `: ${server}` : ''})`);
      default:
        return new Error(`SonarQube at ${host} ${failure(error, server)}`);
    }
  }
}

/** What went wrong, after `SonarQube at <host>`, and what to do about it. */
function failure(error: HttpError, server: string | undefined): string {
  const tries = `${error.attempts} attempt${error.attempts === 1 ? '' : 's'}`;
  switch (error.kind) {
    case 'timeout':
      return `did not answer: ${error.detail} (${tries}); raise params.requestTimeout if the server is slow, then run again`;
    case 'network':
      return `could not be reached: ${error.detail} (${tries}); check SONAR_HOST_URL and that the server is up, then run again`;
    case 'cut-off':
      return `answered ${error.detail} (${tries}); the server or a proxy before it dropped the connection: run again (pages already fetched are reused)`;
    case 'status': {
      const status = error.status ?? 0;
      if (status < 400)
        return `answered ${error.detail}; is SONAR_HOST_URL the SonarQube server itself (not a proxy or a login page)?`;
      const said = server ?? error.body.slice(0, 200);
      const answer = `answered ${error.detail}${said ? `: ${said}` : ''} (${tries})`;
      if (status === 429) return `${answer}; lower the fetch stage's concurrency or run again later`;
      if (status >= 500)
        return `${answer}; the server failed: see its logs, then run again (pages already fetched are reused)`;
      return answer;
    }
    default:
      return unreachable(error.kind);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected HTTP error kind ${String(value)}`);
}

/** The `errors[].msg` of a SonarQube error payload, joined. */
export function sonarMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { msg?: unknown }[] };
    const messages = (parsed.errors ?? []).map((e) => e.msg).filter((m): m is string => typeof m === 'string');
    return messages.length > 0 ? messages.join('; ') : undefined;
  } catch {
    return undefined;
  }
}
