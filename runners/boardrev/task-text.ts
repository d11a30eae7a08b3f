// What a task's markdown says, read the way a reviewer would: its
// acceptance checkboxes, the files it links to or names in backticks, the
// identifiers and CLI flags it names in backticks, and its blockers. Text in
// fenced code blocks is an example, not a claim, and is skipped.
import path from 'node:path';

export interface Checkbox {
  checked: boolean;
  text: string;
  /** 1-based line in the body. */
  line: number;
  files: string[];
  terms: string[];
}

export interface TaskText {
  checkboxes: Checkbox[];
  /** Workspace-relative targets of relative markdown links, in order of appearance, unique. */
  links: string[];
  /** Workspace-relative paths named in backticks, unique, without the linked ones. */
  mentions: string[];
  /** Identifiers (`ItemCache`, `runMap()`, `ctx.upstream`) and flags (`--keep-going`), unique. */
  terms: string[];
  blockers: string[];
}

const CHECKBOX = /^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.*)$/;
const LINK = /\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g;
const CODE_SPAN = /`([^`\n]+)`/g;
const FILE_EXTENSION = /\.(?:[cm]?[jt]sx?|md|json|ya?ml|html|css|sh|txt)$/i;
const BLOCKER =
  /\b(?:blocked (?:by|on)|waiting (?:on|for)|on hold|blocker:|cannot (?:proceed|start|continue) until|depends on #\d+)/i;
const NOT_BLOCKED = /\b(?:no|not|un)[- ]?block|\bno blockers?\b|\bnothing block/i;
const BLOCKERS_HEADING = /^\s{0,3}#{2,6}\s+blockers?\b/i;
const NONE = /^(?:none|n\/a|nothing|-|—)\.?$/i;

export function readTaskText(body: string, taskPath: string): TaskText {
  const checkboxes: Checkbox[] = [];
  const links = new Set<string>();
  const mentions = new Set<string>();
  const terms = new Set<string>();
  const blockers: string[] = [];
  let isInBlockersSection = false;
  for (const block of blocksOf(body)) {
    if (block.isHeading) {
      isInBlockersSection = BLOCKERS_HEADING.test(block.text);
      continue;
    }
    const blockLinks = linksIn(block.text, taskPath);
    const named = namesIn(block.text);
    for (const link of blockLinks) links.add(link);
    for (const file of named.files) mentions.add(file);
    for (const term of named.terms) terms.add(term);
    const box = CHECKBOX.exec(block.text);
    if (box) {
      const files = [...new Set([...blockLinks, ...named.files])];
      checkboxes.push({
        checked: box[1] !== ' ',
        text: (box[2] ?? '').trim(),
        line: block.line,
        files,
        terms: named.terms,
      });
    }
    const isResolved = (box && box[1] !== ' ') || /^\s*(?:[-*+]\s+)?~~.*~~\s*$/.test(block.text);
    if (isResolved) continue;
    const bullet = /^\s*(?:[-*+]|\d+[.)])\s+(?:\[ \]\s+)?(.*)$/.exec(block.text)?.[1]?.trim();
    if (isInBlockersSection && bullet !== undefined && !NONE.test(bullet)) blockers.push(bullet);
    else if (BLOCKER.test(block.text) && !NOT_BLOCKED.test(block.text))
      blockers.push(block.text.trim().replace(/^(?:[-*+]|\d+[.)])\s+/, ''));
  }
  for (const link of links) mentions.delete(link);
  return { checkboxes, links: [...links], mentions: [...mentions], terms: [...terms], blockers };
}

interface Block {
  text: string;
  /** 1-based line of the block's first line in the body. */
  line: number;
  isHeading: boolean;
}

/**
 * The body as blocks: a heading, a list item with its indented
 * continuation lines, or a paragraph; lines are joined by spaces, so a
 * checkbox's names on its second line are its own and a blocker sentence
 * wrapped over two lines is one. Fenced code is skipped.
 */
function blocksOf(body: string): Block[] {
  const blocks: Block[] = [];
  let fence: string | undefined;
  let open: (Block & { isListItem: boolean }) | undefined;
  for (const [i, raw] of body.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    const marker = /^\s{0,3}(```|~~~)/.exec(line)?.[1];
    if (marker) fence = fence === undefined ? marker : fence === marker ? undefined : fence;
    if (marker || fence !== undefined || line.trim() === '') {
      open = undefined;
      continue;
    }
    const isHeading = /^\s{0,3}#{1,6}\s/.test(line);
    const isListItem = /^\s*(?:[-*+]|\d+[.)])\s+/.test(line);
    const continues = open !== undefined && !isHeading && !isListItem && (!open.isListItem || /^\s{2,}\S/.test(line));
    if (open && continues) {
      open.text += ` ${line.trim()}`;
      continue;
    }
    const block = { text: line, line: i + 1, isHeading, isListItem };
    blocks.push(block);
    open = isHeading ? undefined : block;
  }
  return blocks;
}

/** Relative link targets of one line, resolved against the task file's directory; URLs and anchors skipped. */
export function linksIn(line: string, taskPath: string): string[] {
  const out: string[] = [];
  for (const match of line.matchAll(LINK)) {
    const target = (match[1] ?? '').split('#')[0]?.split('?')[0] ?? '';
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const resolved = target.startsWith('/')
      ? path.posix.normalize(target.slice(1))
      : path.posix.normalize(path.posix.join(path.posix.dirname(taskPath), safeDecode(target)));
    if (!resolved.startsWith('..') && resolved !== '.') out.push(resolved);
  }
  return out;
}

/** `my%20file.ts` -> `my file.ts`; a malformed escape is kept as written. */
function safeDecode(target: string): string {
  try {
    return decodeURI(target);
  } catch {
    return target;
  }
}

/** Paths and code terms named in backticks on one line. */
export function namesIn(line: string): { files: string[]; terms: string[] } {
  const files: string[] = [];
  const terms: string[] = [];
  for (const match of line.matchAll(CODE_SPAN)) {
    const span = (match[1] ?? '').trim();
    const file = asPath(span);
    if (file !== undefined) files.push(file);
    else {
      const term = asTerm(span);
      if (term !== undefined) terms.push(term);
    }
  }
  return { files, terms };
}

function asPath(span: string): string | undefined {
  if (/\s|[*?{}[\]]/.test(span) || /^[a-z][a-z0-9+.-]*:\/\//i.test(span)) return undefined;
  const withoutLine = span.replace(/:\d+(?::\d+)?$/, '').replace(/^\.\//, '');
  if (!FILE_EXTENSION.test(withoutLine) && !(withoutLine.includes('/') && /\.[a-z]+$/i.test(withoutLine)))
    return undefined;
  if (!withoutLine.includes('/') && !/^[\w.-]+\.[a-z]+$/i.test(withoutLine)) return undefined;
  const normalised = path.posix.normalize(withoutLine);
  return normalised.startsWith('..') ? undefined : normalised;
}

/**
 * An identifier that looks like code (camelCase, PascalCase of 4+ letters,
 * snake_case, CONSTANT_CASE, a call `x()`, a member `a.b`) or a `--flag`.
 * Plain words in backticks (`todo`, `cache`) are vocabulary, not claims.
 */
export function asTerm(span: string): string | undefined {
  if (/^--[a-z][a-z0-9-]*$/.test(span)) return span;
  const call = /^([A-Za-z_$#][\w$]*(?:\.[A-Za-z_$#][\w$]*)*)(\(\))?$/.exec(span);
  if (!call) return undefined;
  const name = call[1] ?? '';
  const last = name.split('.').at(-1) ?? '';
  const isCodeLike =
    call[2] !== undefined ||
    name.includes('.') ||
    /[a-z0-9][A-Z]/.test(last) ||
    /^[A-Z][a-z0-9]{3,}$/.test(last) ||
    (last.includes('_') && last.length > 3);
  return isCodeLike ? name : undefined;
}

/** What to look for in the code for a term: its last member, without `#` or `()`. */
export function termKey(term: string): string {
  return term.startsWith('--') ? term : (term.split('.').at(-1) ?? term).replace(/^#/, '').replace(/\(\)$/, '');
}
