// SARIF 2.1.0 results -> sonarflow issue records. Levels map error->MAJOR,
// warning->MINOR, note/none->INFO (a result without a level takes its rule's
// default, else `warning`, as the spec says). Results that are not open
// problems (kind pass/notApplicable, baselineState absent, accepted
// suppressions) are left out. Paths become workspace-relative.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonMistake } from '../lib/json-syntax.js';
import type { IssueRecord, Severity } from './types.js';

interface SarifRule {
  id?: string;
  defaultConfiguration?: { level?: string };
  messageStrings?: Record<string, { text?: string }>;
  properties?: { tags?: unknown };
}

interface SarifLocation {
  physicalLocation?: {
    artifactLocation?: { uri?: string; uriBaseId?: string; index?: number };
    region?: { startLine?: number; startColumn?: number };
  };
}

interface SarifResult {
  ruleId?: string;
  ruleIndex?: number;
  rule?: { id?: string; index?: number };
  level?: string;
  kind?: string;
  baselineState?: string;
  message?: { text?: string; id?: string; arguments?: string[] };
  locations?: SarifLocation[];
  suppressions?: { status?: string }[];
  properties?: { tags?: unknown };
}

export interface SarifRun {
  tool?: { driver?: { name?: string; rules?: SarifRule[] } };
  originalUriBaseIds?: Record<string, { uri?: string }>;
  artifacts?: { location?: { uri?: string; uriBaseId?: string } }[];
  results?: SarifResult[];
}

export interface SarifLog {
  version?: string;
  runs?: SarifRun[];
}

const LEVELS: Record<string, Severity> = { error: 'MAJOR', warning: 'MINOR', note: 'INFO', none: 'INFO' };

/** The SARIF log in `text`; invalid JSON throws `<where>:<line>:<column>: <what is wrong>`. */
export function parseSarif(text: string, where: string): SarifLog {
  // A byte order mark, as tools on Windows write one: JSON allows a parser to skip it (RFC 8259, 8.1),
  // and it is no column an editor shows.
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let log: SarifLog;
  try {
    log = JSON.parse(json) as SarifLog;
  } catch (error) {
    const mistake = jsonMistake(json);
    if (!mistake) throw new Error(`${where} is not JSON: ${(error as Error).message}`);
    throw new Error(`${where}:${mistake.line}:${mistake.column}: ${mistake.message}`);
  }
  if (!log || typeof log !== 'object' || !Array.isArray(log.runs))
    throw new Error(`${where} is not a SARIF log (no "runs" array)`);
  return log;
}

/** Records of one run; `root` is the workspace, for turning file URIs into relative paths. */
export function sarifRecords(run: SarifRun, root: string): IssueRecord[] {
  const rules = run.tool?.driver?.rules ?? [];
  const byId = new Map(rules.filter((r) => r.id).map((r) => [r.id as string, r]));
  const seen = new Map<string, number>();
  const records: IssueRecord[] = [];
  for (const result of run.results ?? []) {
    if (!isOpen(result)) continue;
    const index = result.ruleIndex ?? result.rule?.index;
    const rule = (index !== undefined ? rules[index] : undefined) ?? byId.get(result.ruleId ?? result.rule?.id ?? '');
    const ruleId = result.ruleId ?? result.rule?.id ?? rule?.id ?? 'unknown';
    const physical = result.locations?.[0]?.physicalLocation;
    const file = physical?.artifactLocation ? filePath(physical.artifactLocation, run, root) : '';
    const line = physical?.region?.startLine ?? null;
    const message = messageText(result, rule);
    const identity = JSON.stringify([ruleId, file, line, physical?.region?.startColumn ?? null, message]);
    const occurrence = (seen.get(identity) ?? 0) + 1;
    seen.set(identity, occurrence);
    const digest = createHash('sha256').update(identity).digest('hex').slice(0, 20);
    records.push({
      key: occurrence === 1 ? `sarif-${digest}` : `sarif-${digest}-${occurrence}`,
      rule: ruleId,
      severity: LEVELS[result.level ?? rule?.defaultConfiguration?.level ?? 'warning'] ?? 'MINOR',
      type: 'CODE_SMELL',
      component: file,
      file,
      line,
      message,
      effort: null,
      tags: tagsOf(rule?.properties?.tags, result.properties?.tags),
    });
  }
  return records;
}

function isOpen(result: SarifResult): boolean {
  if (result.kind !== undefined && result.kind !== 'fail' && result.kind !== 'open' && result.kind !== 'review')
    return false;
  if (result.baselineState === 'absent') return false;
  return !(result.suppressions ?? []).some((s) => s.status === undefined || s.status === 'accepted');
}

function messageText(result: SarifResult, rule: SarifRule | undefined): string {
  const text =
    result.message?.text ?? (result.message?.id ? rule?.messageStrings?.[result.message.id]?.text : undefined) ?? '';
  const args = result.message?.arguments ?? [];
  return text.replace(/\{(\d+)\}/g, (whole, n: string) => args[Number(n)] ?? whole);
}

function filePath(location: { uri?: string; uriBaseId?: string; index?: number }, run: SarifRun, root: string): string {
  const artifact = location.index !== undefined ? run.artifacts?.[location.index]?.location : undefined;
  // A `%` that starts no escape (`src/50%off.ts`, from a tool that does not encode its URIs) stands for itself.
  const uri = (location.uri ?? artifact?.uri ?? '').replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
  const baseId = location.uriBaseId ?? artifact?.uriBaseId;
  const base = baseId !== undefined ? run.originalUriBaseIds?.[baseId]?.uri : undefined;
  let absolute: string | undefined;
  try {
    if (uri.startsWith('file:')) absolute = fileURLToPath(uri);
    else if (base?.startsWith('file:')) absolute = fileURLToPath(new URL(uri, base.endsWith('/') ? base : `${base}/`));
  } catch {
    absolute = undefined;
  }
  if (absolute === undefined) return decoded(uri).replace(/^\.\//, '');
  const relative = path.relative(root, absolute);
  return relative.startsWith('..') || path.isAbsolute(relative)
    ? absolute.split(path.sep).join('/')
    : relative.split(path.sep).join('/');
}

/** `my%20file.ts` -> `my file.ts`; an escape that is not UTF-8 (`%E9`) is kept as written. */
function decoded(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}

function tagsOf(...lists: unknown[]): string[] {
  const tags = new Set<string>();
  for (const list of lists) if (Array.isArray(list)) for (const tag of list) if (typeof tag === 'string') tags.add(tag);
  return [...tags].sort();
}
