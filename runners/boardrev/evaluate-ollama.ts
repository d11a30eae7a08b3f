// The optional LLM evaluator: Ollama's /api/generate (runners/lib/ollama.ts)
// at temperature 0, asked for JSON in the shape of
// schemas/boardrev-evaluation.json (passed as Ollama's structured-output
// `format`), and the answer validated against that schema with ajv. Any
// failure (unreachable, not JSON, not matching) returns the reason instead,
// and evaluate falls back to the heuristic. The prompt carries the evidence
// the heuristic gathered, so the model judges the same facts.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import evaluationSchema from '../../schemas/boardrev-evaluation.json' with { type: 'json' };
import { generateChecked } from '../lib/ollama.js';
import type { Evidence } from './checks.js';
import { CHECKS } from './vocabulary.js';
import type { CheckId } from './vocabulary.js';
import type { Evaluation, MatchRecord, RuleRecord } from './types.js';

const MAX_BODY = 4000;
const MAX_EXCERPT = 500;
const SHOWN_MATCHES = 5;

let validator: ValidateFunction<Evaluation> | undefined;

export function validateEvaluation(value: unknown): { evaluation: Evaluation } | { problem: string } {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile<Evaluation>(evaluationSchema);
  if (validator(value)) return { evaluation: value };
  return {
    problem: (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; '),
  };
}

/** `isUnreachable`: the server never answered (after its retries), so asking again for the next task is pointless. */
export type OllamaOutcome =
  | { ok: true; evaluation: Evaluation }
  | { ok: false; reason: string; isUnreachable?: boolean };

export async function ollamaEvaluation(
  task: MatchRecord,
  context: { evidence: Evidence; rules: readonly RuleRecord[] },
  options: { url: string; model: string; signal: AbortSignal },
): Promise<OllamaOutcome> {
  const { $schema: _schema, $id: _id, title: _title, description: _description, ...format } = evaluationSchema;
  const asked = await generateChecked({
    url: options.url,
    model: options.model,
    system: SYSTEM,
    prompt: promptFor(task, context),
    format,
    signal: options.signal,
    schema: 'schemas/boardrev-evaluation.json',
    check: (value) => {
      const checked = validateEvaluation(value);
      return 'problem' in checked ? checked : { value: checked.evaluation };
    },
  });
  if ('problem' in asked) return { ok: false, reason: asked.problem, isUnreachable: asked.isUnreachable };
  return { ok: true, evaluation: asked.value };
}

const SYSTEM =
  "You review one task of a software team's markdown task board against the repository and the team's process. " +
  'Decide which status the evidence supports: todo, in-progress, review, done or blocked. ' +
  'Answer with one JSON object and nothing else, with exactly these keys: inferredStatus, confidence (0 to 1), ' +
  'summary (one or two sentences), actions (array of strings, most important first), blockers (array of strings).';

export function promptFor(task: MatchRecord, context: { evidence: Evidence; rules: readonly RuleRecord[] }): string {
  const { evidence, rules } = context;
  const body = task.body.length > MAX_BODY ? `${task.body.slice(0, MAX_BODY)}\n[...]` : task.body;
  const lines = [
    `Task ${task.id}: ${task.title}`,
    `Declared status: ${task.status}; priority ${task.priority}${task.labels.length > 0 ? `; labels ${task.labels.join(', ')}` : ''}`,
    '',
    "The team's process requires, per status:",
    ...rules.map(
      (rule) => `- ${rule.status}: ${rule.checks.map((c) => CHECKS[c as CheckId] ?? c).join('; ') || 'nothing'}`,
    ),
    '',
    'Evidence gathered from the repository:',
    `- acceptance items: ${evidence.boxes.checked} of ${evidence.boxes.total} checked`,
    ...evidence.items.map(
      (i) => `  - [${i.checked ? 'x' : ' '}] ${i.text}${i.isImplemented ? ' (the code it names exists)' : ''}`,
    ),
    ...evidence.files.map((f) => `- file ${f.path} (${f.via}): ${f.state}`),
    ...evidence.terms.map(
      (t) =>
        `- ${t.term}: ${t.found ? `found at ${t.path ?? '?'}:${t.line ?? '?'}${t.defined ? ' (declared there)' : ''}` : 'not found anywhere'}`,
    ),
    `- blockers: ${evidence.blockers.length === 0 ? 'none' : evidence.blockers.join('; ')}`,
    '',
    'The task as written:',
    body,
    '',
    'The code most similar to the task:',
  ];
  for (const hit of task.matches.slice(0, SHOWN_MATCHES)) {
    lines.push(`// ${hit.path}:${hit.startLine}-${hit.endLine} (cosine ${hit.score})`);
    lines.push(hit.text.length > MAX_EXCERPT ? `${hit.text.slice(0, MAX_EXCERPT)}\n// ...` : hit.text);
  }
  return lines.join('\n');
}
