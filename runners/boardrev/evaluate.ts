// boardrev/evaluate: per task { inferredStatus, confidence, summary,
// actions, blockers } from the evidence match gathered and the rules of the
// process document. Provider `heuristic` (default, heuristic.ts); provider
// `ollama` asks a model (evaluate-ollama.ts) and falls back to the
// heuristic, with a log line, whenever the answer is unusable, so a
// model that rambles or a server that is down never fails the run.
//
// A batch export: the rules dataset (a few records) is read once per batch.
// Item cache: the key is the whole match record; the rules' fingerprint is
// in every item's scope (`needs: [rules]`), so editing the process document
// re-evaluates every task, and editing a task re-evaluates only that one.
import { defineMap } from '../../src/api.js';
import type { StageContext } from '../../src/api.js';
import { ollamaEvaluation } from './evaluate-ollama.js';
import { agrees, assess } from './heuristic.js';
import type { Assessment } from './heuristic.js';
import type { Evaluation, EvaluationRecord, MatchRecord, RuleRecord } from './types.js';

type EvaluateContext = Pick<StageContext, 'params' | 'env' | 'signal' | 'upstream' | 'log'>;

export async function evaluateBatch(tasks: MatchRecord[], ctx: EvaluateContext): Promise<EvaluationRecord[]> {
  const provider = String(ctx.params.evalProvider);
  if (provider !== 'heuristic' && provider !== 'ollama')
    throw new Error(`params.evalProvider must be heuristic or ollama, not ${JSON.stringify(provider)}`);
  const rules: RuleRecord[] = [];
  for await (const rule of ctx.upstream('rules')) rules.push(rule as RuleRecord);
  const out: EvaluationRecord[] = [];
  let unreachable: string | undefined;
  for (const task of tasks) {
    const assessment = assess(task, rules);
    if (provider === 'heuristic') {
      out.push(evaluationRecord(task, assessment, assessment.evaluation, 'heuristic'));
      continue;
    }
    const model = String(ctx.params.evalModel);
    const url = ctx.env.OLLAMA_URL;
    const outcome = !url
      ? { ok: false as const, reason: 'OLLAMA_URL is empty' }
      : unreachable !== undefined
        ? { ok: false as const, reason: `not asked: ${unreachable}` }
        : await ollamaEvaluation(task, { evidence: assessment.evidence, rules }, { url, model, signal: ctx.signal });
    if (outcome.ok) out.push(evaluationRecord(task, assessment, outcome.evaluation, `ollama:${model}`));
    else {
      // A server that is down stays down for the rest of the batch: one wait for its retries, not one per task.
      if ('isUnreachable' in outcome && outcome.isUnreachable)
        unreachable = 'the server was unreachable for an earlier task';
      ctx.log(`${task.path}: ${outcome.reason}; using the heuristic`);
      out.push(evaluationRecord(task, assessment, assessment.evaluation, 'heuristic'));
    }
  }
  return out;
}

export function evaluationRecord(
  task: MatchRecord,
  assessment: Assessment,
  evaluation: Evaluation,
  evaluator: string,
): EvaluationRecord {
  const { evidence, violations } = assessment;
  return {
    id: task.id,
    path: task.path,
    title: task.title,
    status: task.status,
    priority: task.priority,
    labels: task.labels,
    problems: task.problems,
    inferredStatus: evaluation.inferredStatus,
    confidence: evaluation.confidence,
    summary: evaluation.summary,
    reason: evaluator === 'heuristic' ? assessment.reason : evaluation.summary,
    actions: evaluation.actions,
    blockers: evaluation.blockers,
    disagrees: !agrees(task.status, evaluation.inferredStatus),
    evaluator,
    evidence: {
      boxes: evidence.boxes,
      files: evidence.files,
      terms: evidence.terms,
      matches: task.matches.map(({ path, startLine, endLine, score, via }) => ({
        path,
        startLine,
        endLine,
        score,
        via,
      })),
      violations,
    },
  };
}

export const evaluate = defineMap<MatchRecord, EvaluationRecord>({ batch: evaluateBatch });
