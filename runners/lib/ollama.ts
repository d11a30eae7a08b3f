// A small client for the two Ollama endpoints the reference pipelines use:
// POST /api/embed ({ model, input: [..] } -> { embeddings: number[][] }) and
// POST /api/generate ({ model, prompt, format, stream: false, options } ->
// { response: string }). Server errors (5xx) and network failures are
// retried with exponential backoff, because a local model server answers 500
// or 503 while it is still loading a model; 4xx is a caller bug, never
// retried. Answers of the wrong shape throw OllamaError with `malformed`, so
// callers can fall back instead of passing garbage on.

export interface OllamaOptions {
  /** Base URL, e.g. http://127.0.0.1:11434 (the stage's OLLAMA_URL). */
  url: string;
  signal?: AbortSignal;
  /** Retries after the first attempt, for 5xx and network errors. */
  retries?: number;
  /** Backoff before retry n is backoffMs * 2^(n-1). */
  backoffMs?: number;
  /** Per request. */
  timeoutMs?: number;
}

export class OllamaError extends Error {
  constructor(
    message: string,
    readonly reason: 'http' | 'network' | 'malformed',
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OllamaError';
  }
}

const DEFAULTS = { retries: 3, backoffMs: 250, timeoutMs: 120_000 };

export async function ollamaEmbed(options: OllamaOptions & { model: string; input: string[] }): Promise<number[][]> {
  const body = await postJson(options, '/api/embed', { model: options.model, input: options.input });
  const embeddings = (body as { embeddings?: unknown }).embeddings;
  if (!Array.isArray(embeddings) || embeddings.length !== options.input.length) {
    throw new OllamaError(
      `/api/embed answered ${describe(embeddings)} for ${options.input.length} inputs`,
      'malformed',
    );
  }
  const dim = (embeddings[0] as unknown[] | undefined)?.length ?? 0;
  for (const vector of embeddings) {
    if (
      !Array.isArray(vector) ||
      vector.length !== dim ||
      dim === 0 ||
      !vector.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw new OllamaError(
        '/api/embed answered an embedding that is not a list of numbers of one length',
        'malformed',
      );
    }
  }
  return embeddings as number[][];
}

export async function ollamaGenerate(
  options: OllamaOptions & { model: string; prompt: string; system?: string; format?: 'json' | object },
): Promise<string> {
  const request = {
    model: options.model,
    prompt: options.prompt,
    ...(options.system !== undefined ? { system: options.system } : {}),
    format: options.format ?? 'json',
    stream: false,
    // temperature 0 and a fixed seed: the same cluster asks the same question and should get the same answer.
    options: { temperature: 0, seed: 0 },
  };
  const body = await postJson(options, '/api/generate', request);
  const response = (body as { response?: unknown }).response;
  if (typeof response !== 'string')
    throw new OllamaError(`/api/generate answered ${describe(response)} instead of a response string`, 'malformed');
  return response;
}

export type Checked<T> = { value: T } | { problem: string };

/**
 * Asks /api/generate for a JSON answer and checks it: the checked value, or
 * in plain words why there is none (unreachable, not JSON, not matching the
 * schema named `schema`), for the caller's fallback and its log line.
 * `isUnreachable`: the server never answered, so asking again soon is pointless.
 */
export async function generateChecked<T>(
  options: OllamaOptions & {
    model: string;
    prompt: string;
    system?: string;
    format?: 'json' | object;
    schema: string;
    check(value: unknown): Checked<T> | Promise<Checked<T>>;
  },
): Promise<{ value: T } | { problem: string; isUnreachable?: boolean }> {
  let answer: string;
  try {
    answer = await ollamaGenerate(options);
  } catch (error) {
    options.signal?.throwIfAborted();
    return {
      problem: `ollama failed: ${(error as Error).message}`,
      isUnreachable: error instanceof OllamaError && error.reason === 'network',
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer);
  } catch {
    return { problem: 'the model answered something that is not JSON' };
  }
  const checked = await options.check(parsed);
  return 'problem' in checked
    ? { problem: `the answer does not match ${options.schema} (${checked.problem})` }
    : checked;
}

async function postJson(options: OllamaOptions, endpoint: string, payload: unknown): Promise<unknown> {
  const retries = options.retries ?? DEFAULTS.retries;
  const backoffMs = options.backoffMs ?? DEFAULTS.backoffMs;
  const url = `${options.url.replace(/\/+$/, '')}${endpoint}`;
  let lastError: OllamaError | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1), options.signal);
    options.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULTS.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal,
      });
    } catch (error) {
      options.signal?.throwIfAborted();
      lastError = new OllamaError(`POST ${url} failed: ${(error as Error).message}`, 'network');
      continue;
    }
    const text = await response.text();
    if (response.status >= 500) {
      lastError = new OllamaError(
        `POST ${url} answered ${response.status}: ${text.slice(0, 200)}`,
        'http',
        response.status,
      );
      continue;
    }
    if (!response.ok)
      throw new OllamaError(`POST ${url} answered ${response.status}: ${text.slice(0, 200)}`, 'http', response.status);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new OllamaError(`POST ${url} answered invalid JSON: ${text.slice(0, 200)}`, 'malformed');
    }
  }
  throw lastError ?? new OllamaError(`POST ${url} failed`, 'network');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return value === null ? 'null' : typeof value;
}
