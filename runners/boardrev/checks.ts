// How each check (vocabulary.ts) is decided, on the evidence gathered from a
// task's text and what match found in the code; and why one fails, in
// words for the report.
import type { CheckId } from './vocabulary.js';
import type { MatchRecord, NamedFile, NamedTerm } from './types.js';
import { readTaskText, termKey } from './task-text.js';

export interface ItemEvidence {
  text: string;
  checked: boolean;
  /** Names at least one symbol or flag, and every file and term it names was found. */
  isImplemented: boolean;
}

export interface Evidence {
  boxes: { checked: number; total: number };
  items: ItemEvidence[];
  files: NamedFile[];
  terms: NamedTerm[];
  /** Named files that should be indexed and are not, and terms found nowhere. */
  missing: string[];
  blockers: string[];
}

export function gatherEvidence(task: MatchRecord): Evidence {
  const text = readTaskText(task.body, task.path);
  const fileState = new Map(task.files.map((f) => [f.path, f.state]));
  const termFound = new Map(task.terms.map((t) => [termKey(t.term), t.found]));
  const isFileOk = (file: string): boolean => fileState.get(file) !== 'missing';
  const isTermOk = (term: string): boolean => termFound.get(termKey(term)) === true;
  const items = text.checkboxes.map((box) => ({
    text: box.text,
    checked: box.checked,
    // A file that exists says little (the change may not be made yet); a named symbol that exists says more.
    isImplemented: box.terms.length > 0 && box.terms.every(isTermOk) && box.files.every(isFileOk),
  }));
  const missing = [
    ...task.files.filter((f) => f.state === 'missing').map((f) => f.path),
    ...task.terms.filter((t) => !t.found).map((t) => t.term),
  ];
  return {
    boxes: { checked: items.filter((i) => i.checked).length, total: items.length },
    items,
    files: task.files,
    terms: task.terms,
    missing,
    blockers: text.blockers,
  };
}

export function decide(check: CheckId, evidence: Evidence): boolean {
  const { boxes, items } = evidence;
  switch (check) {
    case 'has-acceptance':
      return boxes.total > 0;
    case 'boxes-all-checked':
      return boxes.total > 0 && boxes.checked === boxes.total;
    case 'boxes-some-checked':
      return boxes.checked > 0;
    case 'boxes-none-checked':
      return boxes.checked === 0;
    case 'code-exists':
      return evidence.missing.length === 0;
    case 'items-implemented':
      return items.length > 0 && items.every((i) => i.isImplemented);
    case 'work-complete':
      return items.length > 0 && items.every((i) => i.checked || i.isImplemented);
    case 'progress':
      return items.some((i) => i.checked || i.isImplemented);
    case 'no-blockers':
      return evidence.blockers.length === 0;
    case 'has-blocker':
      return evidence.blockers.length > 0;
    default: {
      const unknown: never = check;
      throw new Error(`unknown check ${String(unknown)}`);
    }
  }
}

/** Why a check fails, in words for the report's actions. */
export function failureText(check: CheckId, evidence: Evidence): string {
  const { boxes, items } = evidence;
  const unchecked = boxes.total - boxes.checked;
  switch (check) {
    case 'has-acceptance':
      return 'add acceptance checkboxes';
    case 'boxes-all-checked':
      return boxes.total === 0
        ? 'add acceptance checkboxes and check them'
        : `${unchecked} of ${boxes.total} acceptance items are unchecked`;
    case 'boxes-some-checked':
      return 'no acceptance item is checked yet';
    case 'boxes-none-checked':
      return `${boxes.checked} of ${boxes.total} acceptance items are already checked`;
    case 'code-exists':
      return `not found in the indexed sources: ${evidence.missing.map((m) => `\`${m}\``).join(', ')}`;
    case 'items-implemented':
      return `${items.filter((i) => !i.isImplemented).length} of ${items.length} acceptance items name no code that exists`;
    case 'work-complete':
      return `${items.filter((i) => !i.checked && !i.isImplemented).length} acceptance items are neither checked nor visibly implemented`;
    case 'progress':
      return 'no acceptance item is checked or visibly implemented';
    case 'no-blockers':
      return `blocked: ${evidence.blockers.join('; ')}`;
    case 'has-blocker':
      return 'no blocker is named';
    default: {
      const unknown: never = check;
      throw new Error(`unknown check ${String(unknown)}`);
    }
  }
}
