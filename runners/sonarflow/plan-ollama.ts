// The optional LLM planner: Ollama's /api/generate with `format: json` and
// temperature 0, the answer validated against schemas/sonarflow-plan.json.
// Any failure (unreachable, timeout, not JSON, not matching the schema)
// returns the reason instead of a plan, and the caller falls back to the
// template.
import { Ajv } from 'ajv';
import planSchema from '../../schemas/sonarflow-plan.json' with { type: 'json' };
import { requestJson } from '../lib/http.js';
import { formatMinutes } from './group.js';
import type { BundleRecord, TaskPlan } from './types.js';

const validatePlan = new Ajv({ allErrors: true }).compile<TaskPlan>(planSchema);
const PROMPT_ISSUES = 20;

export interface OllamaOptions {
  url: string;
  model: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type OllamaOutcome = { ok: true; plan: TaskPlan } | { ok: false; reason: string };

export async function ollamaPlan(bundle: BundleRecord, options: OllamaOptions): Promise<OllamaOutcome> {
  let answer: { response?: unknown };
  try {
    answer = await requestJson<{ response?: unknown }>(`${options.url.replace(/\/+$/, '')}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: options.model,
        prompt: prompt(bundle),
        format: 'json',
        stream: false,
        options: { temperature: 0 },
      }),
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 120_000,
      retry: { attempts: 2, baseDelayMs: 1000 },
      fetch: options.fetch,
    });
  } catch (error) {
    options.signal?.throwIfAborted();
    return { ok: false, reason: (error as Error).message };
  }
  if (typeof answer.response !== 'string') return { ok: false, reason: 'the answer has no "response" text' };
  let plan: unknown;
  try {
    plan = JSON.parse(answer.response);
  } catch {
    return { ok: false, reason: 'the model did not answer JSON' };
  }
  if (!validatePlan(plan)) {
    const problems = (validatePlan.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    return { ok: false, reason: `the answer does not match schemas/sonarflow-plan.json: ${problems}` };
  }
  return { ok: true, plan };
}

export function prompt(bundle: BundleRecord): string {
  const shown = bundle.issues
    .slice(0, PROMPT_ISSUES)
    .map((i) => `- ${i.file}:${i.line ?? '?'} [${i.severity}] ${i.message}`);
  const more = bundle.count > PROMPT_ISSUES ? [`- ... and ${bundle.count - PROMPT_ISSUES} more`] : [];
  return [
    'You plan one remediation task for a bundle of static-analysis issues.',
    'Answer with one JSON object and nothing else, with exactly these keys:',
    '{"title": string (one line, under 100 characters), "summary": string, "steps": string[] (1 to 8 ordered steps), "acceptance": string[] (1 to 5 checks)}',
    '',
    `Rule: ${bundle.rule}`,
    `Files under: ${bundle.prefix}`,
    `Issues: ${bundle.count}, top severity ${bundle.topSeverity}, types ${bundle.types.join(', ')}`,
    bundle.effortMinutes > 0 ? `Estimated effort: ${formatMinutes(bundle.effortMinutes)}` : '',
    'Issues:',
    ...shown,
    ...more,
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}
