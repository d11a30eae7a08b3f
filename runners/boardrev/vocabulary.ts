// The board's vocabulary: canonical statuses (and the spellings people use
// for them), priorities, and the checks a process rule can require of a
// status. One place without imports, shared by frontmatter (which rewrites
// spellings to the canonical form), rules (process headings, check names)
// and evaluate (checks.ts decides each check).

export const STATUSES = ['todo', 'in-progress', 'review', 'done', 'blocked'] as const;
export type Status = (typeof STATUSES)[number];

/**
 * The order in which evaluate tries statuses: the first whose process rules
 * all hold is the inferred one (`todo`, last, is the fallback). Blocked
 * comes first because a blocker overrides progress.
 */
export const INFERENCE_ORDER: readonly Status[] = ['blocked', 'done', 'review', 'in-progress', 'todo'];

const ALIASES: Record<string, Status> = {
  todo: 'todo',
  'to do': 'todo',
  backlog: 'todo',
  open: 'todo',
  new: 'todo',
  planned: 'todo',
  ready: 'todo',
  'not started': 'todo',
  'in progress': 'in-progress',
  doing: 'in-progress',
  wip: 'in-progress',
  started: 'in-progress',
  active: 'in-progress',
  ongoing: 'in-progress',
  'in review': 'review',
  review: 'review',
  reviewing: 'review',
  'code review': 'review',
  'needs review': 'review',
  'ready for review': 'review',
  pr: 'review',
  done: 'done',
  complete: 'done',
  completed: 'done',
  finished: 'done',
  closed: 'done',
  resolved: 'done',
  shipped: 'done',
  merged: 'done',
  blocked: 'blocked',
  'on hold': 'blocked',
  waiting: 'blocked',
  stuck: 'blocked',
};

/** `In Progress`, `in_progress`, `DOING` -> `in-progress`; undefined for a status nobody uses. */
export function normaliseStatus(value: string): Status | undefined {
  const key = value
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
  return ALIASES[key];
}

export function isStatus(value: string): value is Status {
  return (STATUSES as readonly string[]).includes(value);
}

const PRIORITY_WORDS: Record<string, string> = {
  critical: 'P0',
  urgent: 'P0',
  blocker: 'P0',
  high: 'P1',
  medium: 'P2',
  normal: 'P2',
  low: 'P3',
  lowest: 'P4',
  trivial: 'P4',
};

/** `p1`, `1`, `high` -> `P1`..; undefined for anything else. */
export function normalisePriority(value: string | number): string | undefined {
  const text = String(value).trim().toLowerCase();
  const numbered = /^p?([0-4])$/.exec(text);
  if (numbered) return `P${numbered[1] ?? ''}`;
  return PRIORITY_WORDS[text];
}

export const DEFAULT_STATUS: Status = 'todo';
export const DEFAULT_PRIORITY = 'P3';

export const CHECKS = {
  'has-acceptance': 'the task has at least one acceptance checkbox',
  'boxes-all-checked': 'every acceptance checkbox is checked',
  'boxes-some-checked': 'at least one acceptance checkbox is checked',
  'boxes-none-checked': 'no acceptance checkbox is checked',
  'code-exists': 'every file, symbol and flag the task names exists in the indexed sources',
  'items-implemented': 'every acceptance item names code that exists',
  'work-complete': 'every acceptance item is checked or names code that exists',
  progress: 'some acceptance item is checked or names code that exists',
  'no-blockers': 'nothing blocks the task',
  'has-blocker': 'the task names a blocker',
} as const;

export type CheckId = keyof typeof CHECKS;

export function isCheckId(value: string): value is CheckId {
  return Object.hasOwn(CHECKS, value);
}
