// The default evaluator: no model, the same answer for the same task on
// every machine. The inferred status is the first of INFERENCE_ORDER
// (blocked, done, review, in-progress; todo otherwise) whose process rules
// all hold on the evidence (checks.ts). So, with the built-in rules:
//   a blocker line                                    -> blocked
//   every box checked, named code exists              -> done
//   every item checked or naming code that exists     -> review
//   something checked or visibly implemented          -> in-progress
//   nothing                                           -> todo
// which flags `done` with unchecked boxes, `done` naming code that does not
// exist, and `todo` whose acceptance items all appear implemented.
// Confidence grows with the amount of evidence (boxes, named code,
// blockers), from 0.3 for a task that gives none to at most 0.95.
import { decide, failureText, gatherEvidence } from './checks.js';
import type { Evidence } from './checks.js';
import { CHECKS, INFERENCE_ORDER, isStatus } from './vocabulary.js';
import type { CheckId, Status } from './vocabulary.js';
import type { Evaluation, MatchRecord, RuleRecord } from './types.js';

export interface Assessment {
  evaluation: Evaluation;
  evidence: Evidence;
  /** Failing checks of the declared status's rule, in words. */
  violations: string[];
  /** One line: why the inferred status (the report's disagreement table shows it). */
  reason: string;
}

export function checksByStatus(rules: readonly RuleRecord[]): Map<Status, CheckId[]> {
  return new Map(rules.map((rule) => [rule.status, rule.checks as CheckId[]]));
}

export function inferStatus(evidence: Evidence, rules: ReadonlyMap<Status, CheckId[]>): Status {
  for (const status of INFERENCE_ORDER) {
    if (status === 'todo') break;
    const checks = rules.get(status) ?? [];
    if (checks.length > 0 && checks.every((check) => decide(check, evidence))) return status;
  }
  return 'todo';
}

/** Work that is complete may wait in review: a declared `review` agrees with an inferred `done`. */
export function agrees(declared: string, inferred: Status): boolean {
  return declared === inferred || (declared === 'review' && inferred === 'done');
}

export function confidenceOf(evidence: Evidence): number {
  const named = evidence.files.filter((f) => f.state !== 'outside').length + evidence.terms.length;
  const signals = Math.min(evidence.boxes.total, 5) + Math.min(named, 5) + (evidence.blockers.length > 0 ? 2 : 0);
  return Math.round(Math.min(0.95, 0.3 + 0.06 * signals) * 100) / 100;
}

export function assess(task: MatchRecord, rules: readonly RuleRecord[]): Assessment {
  const evidence = gatherEvidence(task);
  const byStatus = checksByStatus(rules);
  const inferred = inferStatus(evidence, byStatus);
  const declaredChecks = isStatus(task.status) ? (byStatus.get(task.status) ?? []) : [];
  const violations = declaredChecks
    .filter((check) => !decide(check, evidence))
    .map((check) => `${task.status}: ${failureText(check, evidence)}`);
  const actions: string[] = [];
  if (!isStatus(task.status))
    actions.push(`replace the unknown status "${task.status}" with one of ${INFERENCE_ORDER.join(', ')}`);
  else if (!agrees(task.status, inferred))
    actions.push(`set status to ${inferred} (declared ${task.status}), or add the evidence for ${task.status}`);
  actions.push(...violations);
  return {
    evaluation: {
      inferredStatus: inferred,
      confidence: confidenceOf(evidence),
      summary: summarise(task, evidence, inferred),
      actions,
      blockers: evidence.blockers,
    },
    evidence,
    violations,
    reason: reasonFor(inferred, evidence, violations, byStatus),
  };
}

function reasonFor(
  inferred: Status,
  evidence: Evidence,
  violations: string[],
  byStatus: ReadonlyMap<Status, CheckId[]>,
): string {
  if (inferred === 'blocked' && evidence.blockers[0] !== undefined) return `blocked: ${evidence.blockers[0]}`;
  if (violations[0] !== undefined) return violations[0];
  const checks = inferred === 'todo' ? [] : (byStatus.get(inferred) ?? []);
  return checks.length > 0
    ? `${inferred}: ${checks.map((check) => CHECKS[check]).join('; ')}`
    : 'no evidence of progress';
}

function summarise(task: MatchRecord, evidence: Evidence, inferred: Status): string {
  const { boxes, items } = evidence;
  const implemented = items.filter((i) => !i.checked && i.isImplemented).length;
  const named = evidence.files.filter((f) => f.state !== 'outside').length + evidence.terms.length;
  const parts = [
    boxes.total === 0 ? 'no acceptance checkboxes' : `${boxes.checked}/${boxes.total} acceptance items checked`,
    ...(implemented > 0
      ? [`${implemented} unchecked ${implemented === 1 ? 'item names' : 'items name'} code that exists`]
      : []),
    named === 0 ? 'names no code' : `${named - evidence.missing.length}/${named} named files and symbols found`,
    evidence.blockers.length === 0
      ? 'no blockers'
      : `${evidence.blockers.length} blocker${evidence.blockers.length === 1 ? '' : 's'}`,
  ];
  const verdict = agrees(task.status, inferred)
    ? `consistent with ${task.status}`
    : `looks ${inferred}, declared ${task.status}`;
  return `${parts.join('; ')}: ${verdict}.`;
}
