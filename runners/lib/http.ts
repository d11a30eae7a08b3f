// A small fetch wrapper for the reference pipelines (SonarQube, Ollama, ...):
// a per-attempt timeout, retries with exponential backoff and jitter on 5xx,
// 408 and network errors, `Retry-After` on 429 and 503, and secrets scrubbed
// from every message it produces. Built on Node's own fetch: no dependency.
//
// Secrets: callers pass the values that must never be printed (tokens) in
// `secrets`; they (and their base64 forms, as in a Basic header) are replaced
// by *** in error messages, retry notices and the echoed URL, so an error can
// go to a log or a run record as it is.

export interface RetryPolicy {
  /** Total attempts, the first included (1 = no retry). */
  attempts: number;
  /** Backoff before retry n is drawn from [d/2, d] with d = min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A longer Retry-After is capped at this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
};

export interface RetryNotice {
  /** The attempt that failed, 1-based. */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Per attempt, covering the response body too. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  secrets?: readonly string[];
  onRetry?(notice: RetryNotice): void;
  /** Jitter source in [0, 1); injectable for tests. */
  random?(): number;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  fetch?: typeof fetch;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  attempts: number;
}

/** `cut-off`: the answer began (a status line and headers) but its body did not arrive whole. */
export type HttpErrorKind = 'status' | 'network' | 'timeout' | 'cut-off';

/** A request that failed for good. `message` is already scrubbed of secrets. */
export class HttpError extends Error {
  readonly kind: HttpErrorKind;
  readonly status: number | undefined;
  /** Response body (scrubbed, at most 2 KB), for callers that parse error payloads. */
  readonly body: string;
  readonly attempts: number;
  /** What went wrong without the request (`HTTP 502 Bad Gateway`, `ECONNREFUSED (...)`), scrubbed, for callers' own messages. */
  readonly detail: string;

  constructor(options: {
    message: string;
    kind: HttpErrorKind;
    status?: number;
    body?: string;
    attempts: number;
    detail?: string;
  }) {
    super(options.message);
    this.name = 'HttpError';
    this.kind = options.kind;
    this.status = options.status;
    this.body = options.body ?? '';
    this.attempts = options.attempts;
    this.detail = options.detail ?? options.message;
  }
}

type Attempt =
  | { ok: true; response: HttpResponse }
  | { ok: false; error: HttpError; isRetryable: boolean; retryAfterMs?: number };

export async function request(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const attempts = Math.max(1, Math.floor(policy.attempts));
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? sleepFor;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const outcome = await attemptOnce(url, options, attempt);
    if (outcome.ok) return outcome.response;
    if (!outcome.isRetryable || attempt >= attempts) throw outcome.error;
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    const delayMs = Math.round(
      outcome.retryAfterMs !== undefined
        ? Math.min(outcome.retryAfterMs, policy.maxRetryAfterMs)
        : backoff / 2 + (random() * backoff) / 2,
    );
    options.onRetry?.({ attempt, delayMs, reason: outcome.error.message });
    await sleep(delayMs, options.signal);
  }
}

/** `request` plus JSON.parse of the body, with a scrubbed error when it is not JSON. */
export async function requestJson<T>(url: string, options: HttpRequestOptions = {}): Promise<T> {
  const response = await request(url, options);
  try {
    return JSON.parse(response.text) as T;
  } catch {
    const where = `${options.method ?? 'GET'} ${displayUrl(url, options.secrets)}`;
    throw new HttpError({
      message: `${where}: the response is not JSON: ${excerpt(response.text, options.secrets ?? [], 200)}`,
      detail: `something that is not JSON: ${excerpt(response.text, options.secrets ?? [], 200)}`,
      kind: 'status',
      status: response.status,
      attempts: response.attempts,
    });
  }
}

async function attemptOnce(url: string, options: HttpRequestOptions, attempt: number): Promise<Attempt> {
  const secrets = options.secrets ?? [];
  const where = `${options.method ?? 'GET'} ${displayUrl(url, secrets)}`;
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
  let answeredStatus: number | undefined;
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      signal,
    });
    answeredStatus = response.status;
    // arrayBuffer + one native decode: cheaper than text() on a cold process (a 300 KB page).
    const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
    if (response.ok)
      return { ok: true, response: { status: response.status, headers: response.headers, text, attempts: attempt } };
    const status = response.status;
    const body = excerpt(text, secrets, 2048);
    const error = new HttpError({
      message: `${where} failed: HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}${attemptsText(attempt)}${text ? `: ${excerpt(text, secrets, 300)}` : ''}`,
      detail: `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`,
      kind: 'status',
      status,
      body,
      attempts: attempt,
    });
    const isRetryable = status >= 500 || status === 429 || status === 408;
    const retryAfterMs =
      status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
    return { ok: false, error, isRetryable, retryAfterMs };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const isTimeout = timeout?.aborted === true;
    const isCutOff = answeredStatus !== undefined;
    const reason = isTimeout ? `timed out after ${options.timeoutMs} ms` : describeNetworkError(error);
    const cause = isCutOff ? `HTTP ${answeredStatus}, but the answer was cut off: ${reason}` : reason;
    return {
      ok: false,
      error: new HttpError({
        message: scrub(`${where} failed: ${cause}${attemptsText(attempt)}`, secrets),
        detail: scrub(cause, secrets),
        kind: isCutOff ? 'cut-off' : isTimeout ? 'timeout' : 'network',
        ...(isCutOff ? { status: answeredStatus } : {}),
        attempts: attempt,
      }),
      isRetryable: true,
    };
  }
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Replaces every secret (and its base64 forms, as sent in a Basic header) with ***. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of [secret, Buffer.from(`${secret}:`).toString('base64'), Buffer.from(secret).toString('base64')]) {
      out = out.split(form).join('***');
    }
  }
  return out;
}

/** The URL for messages: no userinfo, secrets scrubbed. */
export function displayUrl(url: string, secrets: readonly string[] = []): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return scrub(parsed.toString(), secrets);
  } catch {
    return scrub(url, secrets);
  }
}

/** `500ms`, `30s`, `5m`, `2h` or a number of milliseconds. */
export function parseDurationMs(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(value.trim()) : null;
  if (!match) throw new Error(`${name} must be a duration such as 500ms, 30s or 5m (got ${JSON.stringify(value)})`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}

function excerpt(text: string, secrets: readonly string[], max: number): string {
  const flat = scrub(text, secrets).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

function attemptsText(attempt: number): string {
  return attempt > 1 ? ` (attempt ${attempt})` : '';
}

function describeNetworkError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  const code = err?.cause?.code;
  const detail = err?.cause?.message ?? err?.message ?? String(error);
  return code ? `${code} (${detail})` : detail;
}

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
