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
      problem: (error as Error).message,
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

async function postJson(
  options: OllamaOptions & { model?: string },
  endpoint: string,
  payload: unknown,
): Promise<unknown> {
  const retries = options.retries ?? DEFAULTS.retries;
  const backoffMs = options.backoffMs ?? DEFAULTS.backoffMs;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const base = options.url.replace(/\/+$/, '');
  const url = `${base}${endpoint}`;
  // Every message names the service, the server and the call, and says what to do.
  const where = `Ollama at ${base} (POST ${endpoint})`;
  const tries = (attempt: number): string => (attempt > 0 ? `, ${attempt + 1} attempts` : '');
  let lastError: OllamaError | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1), options.signal);
    options.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(timeoutMs);
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
      const cause = timeout.aborted ? `no answer within ${timeoutMs} ms` : networkCause(error);
      lastError = new OllamaError(
        `${where} failed: ${cause}${tries(attempt)}; is Ollama running there? Start it (\`ollama serve\`) or set OLLAMA_URL to its address`,
        'network',
      );
      continue;
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      options.signal?.throwIfAborted();
      const cause = timeout.aborted ? `not all of it within ${timeoutMs} ms` : networkCause(error);
      lastError = new OllamaError(
        `${where} answered ${response.status} but the answer was cut off: ${cause}${tries(attempt)}; run again`,
        'http',
        response.status,
      );
      continue;
    }
    const answer = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    if (response.status >= 500) {
      lastError = new OllamaError(
        `${where} answered ${response.status}: ${answer}${tries(attempt)}; the server failed (see its log), run again once it answers`,
        'http',
        response.status,
      );
      continue;
    }
    if (!response.ok) {
      const isMissingModel = response.status === 404 && options.model !== undefined && /not found/i.test(text);
      throw new OllamaError(
        `${where} answered ${response.status}: ${answer}${isMissingModel ? `; pull the model first: ollama pull ${options.model}` : ''}`,
        'http',
        response.status,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new OllamaError(
        `${where} answered invalid JSON: ${answer}; is OLLAMA_URL the address of an Ollama server?`,
        'malformed',
      );
    }
  }
  throw lastError ?? new OllamaError(`${where} failed`, 'network');
}

/** `ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:11434)` rather than fetch's own `fetch failed`. */
function networkCause(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  const code = err?.cause?.code;
  const detail = err?.cause?.message ?? err?.message ?? String(error);
  return code && code !== detail ? `${code} (${detail})` : detail;
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
