// boardrev/rules: the process document (params.process, default
// examples/process.md) as one rule record per status; the built-in rules
// without it. The document is the stage's input, so editing it
// re-evaluates every task and nothing else.
//
// The document is split at headings of level 2 or deeper; a heading that
// names a status (`## Done`, `### In review`, `## Status: blocked`) starts
// that status's section, which runs until the next heading of the same or
// a higher level (deeper non-status headings stay inside it). A bullet that
// names a check in backticks (`boxes-all-checked`) requires it. A section
// that names no check in backticks is read in words instead: each bullet
// that says what a check means ("every acceptance box is checked")
// requires that check. Other bullets are kept as notes. A status the
// document does not cover, or whose section yields no check, gets the
// built-in rule.
import fs from 'node:fs';
import type { StageContext } from '../../src/api.js';
import type { RuleRecord } from './types.js';
import { isCheckId, normaliseStatus, STATUSES } from './vocabulary.js';
import type { CheckId, Status } from './vocabulary.js';

export function rules(ctx: StageContext): RuleRecord[] {
  const file = String(ctx.params.process);
  const absolute = ctx.workspace.resolve(file);
  if (!fs.existsSync(absolute)) {
    ctx.log(`${file} does not exist: using the built-in rules`);
    return defaultRules();
  }
  const parsed = parseProcess(fs.readFileSync(absolute, 'utf8'));
  if (parsed.defaulted.length > 0)
    ctx.log(`${file} has no rule for ${parsed.defaulted.join(', ')}: using the built-in ones`);
  return parsed.rules;
}

export const DEFAULT_CHECKS: Record<Status, CheckId[]> = {
  todo: ['boxes-none-checked'],
  'in-progress': ['progress', 'no-blockers'],
  review: ['work-complete', 'code-exists', 'no-blockers'],
  done: ['boxes-all-checked', 'code-exists', 'no-blockers'],
  blocked: ['has-blocker'],
};

export function defaultRules(): RuleRecord[] {
  return STATUSES.map((status) => ({
    status,
    heading: 'built-in',
    line: 0,
    source: 'default',
    checks: [...DEFAULT_CHECKS[status]],
    notes: [],
  }));
}

// Words for the checks, tried in order; the first that matches a bullet wins.
const PHRASES: [RegExp, CheckId][] = [
  [/\b(?:no|without|zero|nothing)\b.*\bblock|\bnot blocked|\bunblocked/i, 'no-blockers'],
  [/\bblock(?:er|ers|ed|s)?\b|\bwaiting (?:on|for)\b|\bon hold\b/i, 'has-blocker'],
  [/\b(?:every|all|each)\b.*\b(?:checked|ticked)\b.*\bor\b.*\bimplemented\b/i, 'work-complete'],
  [
    /\b(?:every|all|each)\b.*\b(?:box|boxes|checkbox|checkboxes|acceptance|criteria|item|items)\b.*\b(?:checked|ticked|complete)\b/i,
    'boxes-all-checked',
  ],
  [
    /\b(?:no|none of the)\b.*\b(?:box|boxes|checkbox|checkboxes|items?)\b.*\b(?:checked|ticked)\b/i,
    'boxes-none-checked',
  ],
  [/\b(?:at least one|some|one or more)\b.*\b(?:checked|ticked)\b/i, 'boxes-some-checked'],
  [/\b(?:every|all|each)\b.*\bitems?\b.*\bimplemented\b/i, 'items-implemented'],
  [
    /\b(?:code|files?|symbols?|implementation)\b.*\b(?:exists?|present|in the repo(?:sitory)?)\b|\bnames? only code that exists\b/i,
    'code-exists',
  ],
  [/\bprogress\b|\bstarted\b|\bunder way\b/i, 'progress'],
  [/\bacceptance (?:criteria|items?|checklist|checkboxes)\b/i, 'has-acceptance'],
];

export function namedChecks(bullet: string): CheckId[] {
  return [...bullet.matchAll(/`([a-z-]+)`/g)].map((m) => m[1] ?? '').filter(isCheckId);
}

export function describedCheck(bullet: string): CheckId | undefined {
  return PHRASES.find(([pattern]) => pattern.test(bullet))?.[1];
}

/** The status a heading names, if any: `Done`, `In review`, `Status: blocked`, `` `in-progress` ``, `Done (shipped)`. */
export function headingStatus(heading: string): Status | undefined {
  const text = heading.trim();
  const candidates = [
    text,
    /`([^`]+)`/.exec(text)?.[1] ?? '',
    text.replace(/^status\s*[:-]\s*/i, ''),
    text.split(/\s*[(:—–]\s*|\s+-\s+/)[0] ?? '',
  ];
  for (const candidate of candidates) {
    const status = candidate === '' ? undefined : normaliseStatus(candidate.replace(/`/g, ''));
    if (status) return status;
  }
  return undefined;
}

interface Section {
  status: Status;
  heading: string;
  level: number;
  line: number;
  bullets: string[];
}

export function parseProcess(markdown: string): { rules: RuleRecord[]; defaulted: Status[] } {
  const sections: Section[] = [];
  let current: Section | undefined;
  let fence: string | undefined;
  for (const [i, raw] of markdown.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    const marker = /^\s{0,3}(```|~~~)/.exec(line)?.[1];
    if (marker) fence = fence === undefined ? marker : fence === marker ? undefined : fence;
    if (marker || fence !== undefined) continue;
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) {
      const level = (heading[1] ?? '').length;
      const status = level >= 2 ? headingStatus(heading[2] ?? '') : undefined;
      if (status) {
        current = { status, heading: heading[2] ?? '', level, line: i + 1, bullets: [] };
        sections.push(current);
      } else if (!current || level <= current.level) current = undefined;
      continue;
    }
    if (!current) continue;
    const bullet = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (bullet) current.bullets.push(bullet[1] ?? '');
    else if (/^\s{2,}\S/.test(line) && current.bullets.length > 0) {
      current.bullets[current.bullets.length - 1] += ` ${line.trim()}`;
    }
  }
  const defaulted: Status[] = [];
  const rules = STATUSES.map((status): RuleRecord => {
    const own = sections.filter((s) => s.status === status);
    const first = own[0];
    if (!first) {
      defaulted.push(status);
      return {
        status,
        heading: 'built-in',
        line: 0,
        source: 'default',
        checks: [...DEFAULT_CHECKS[status]],
        notes: [],
      };
    }
    const bullets = own.flatMap((s) => s.bullets);
    const isExplicit = bullets.some((bullet) => namedChecks(bullet).length > 0);
    const checks: CheckId[] = [];
    const notes: string[] = [];
    for (const bullet of bullets) {
      const found = isExplicit
        ? namedChecks(bullet)
        : [describedCheck(bullet)].filter((c): c is CheckId => c !== undefined);
      if (found.length === 0) notes.push(bullet);
      for (const check of found) if (!checks.includes(check)) checks.push(check);
    }
    if (checks.length === 0) defaulted.push(status);
    return {
      status,
      heading: first.heading,
      line: first.line,
      source: 'process',
      checks: checks.length > 0 ? checks : [...DEFAULT_CHECKS[status]],
      notes,
    };
  });
  return { rules, defaulted };
}
