// Stage `fetch` (map over plan-pages): one page of SonarQube issues, or one
// run of a SARIF file, per item. The runner owns how many items are in
// flight (the stage's `concurrency`), retries of failed items (`retries`) and
// the per-item cache; each request also retries on its own (http.ts) with
// backoff, so a transient 5xx or 429 rarely reaches the runner. SonarQube
// issues and SARIF results both become IssueRecords (see types.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { ItemContext, JsonRecord } from '../../src/api.js';
import { parseSarif, sarifRecords } from './sarif.js';
import { sonarClient } from './settings.js';
import { PAGE_SORT } from './sonar-client.js';
import type { SearchResponse, SonarIssue } from './sonar-client.js';
import { SEVERITIES } from './types.js';
import type { FetchItem, IssueRecord, SarifRunItem, Severity, SonarPageItem } from './types.js';

export async function fetchIssues(item: JsonRecord, ctx: ItemContext): Promise<IssueRecord[]> {
  const unit = item as FetchItem;
  if (unit.source === 'sonarqube') return fetchPage(unit, ctx);
  if (unit.source === 'sarif') return readRun(unit, ctx);
  throw new Error(`not a plan-pages record: ${JSON.stringify(item).slice(0, 200)}`);
}

async function fetchPage(page: SonarPageItem, ctx: ItemContext): Promise<IssueRecord[]> {
  const { client } = sonarClient(ctx);
  const response = await client.search(page.query, page.p, page.ps, { sort: PAGE_SORT });
  if (response.paging.total !== page.windowTotal) {
    ctx.log(
      `${page.id}: the window now has ${response.paging.total} issues (${page.windowTotal} when planned); the project changed, rerun to pick it up`,
    );
  }
  return issueRecords(response);
}

function readRun(run: SarifRunItem, ctx: ItemContext): IssueRecord[] {
  const text = fs.readFileSync(ctx.workspace.resolve(run.path), 'utf8');
  if (createHash('sha256').update(text).digest('hex') !== run.hash)
    throw new Error(`${run.path} changed after plan-pages read it; run again`);
  const found = parseSarif(text, run.path).runs?.[run.run];
  if (!found) throw new Error(`${run.path} has no run #${run.run}`);
  return sarifRecords(found, ctx.workspace.root);
}

/** A page of SonarQube issues as records; the file path comes from the page's components. */
export function issueRecords(response: SearchResponse): IssueRecord[] {
  const paths = new Map<string, string>();
  for (const component of response.components ?? []) {
    const path = component.path ?? component.longName;
    if (path) paths.set(component.key, path);
  }
  return response.issues.map((issue) => issueRecord(issue, paths.get(issue.component)));
}

export function issueRecord(issue: SonarIssue, componentPath?: string): IssueRecord {
  return {
    key: issue.key,
    rule: issue.rule,
    severity: toSeverity(issue.severity),
    type: issue.type ?? 'CODE_SMELL',
    component: issue.component,
    file: componentPath ?? pathOfComponent(issue.component, issue.project),
    line: typeof issue.line === 'number' ? issue.line : null,
    message: issue.message ?? '',
    effort: issue.effort ?? issue.debt ?? null,
    tags: [...(issue.tags ?? [])].sort(),
  };
}

/** `project:src/a.ts` -> `src/a.ts`; a project-level issue keeps its key. */
function pathOfComponent(component: string, project: string | undefined): string {
  if (project && component.startsWith(`${project}:`)) return component.slice(project.length + 1);
  const colon = component.indexOf(':');
  return colon >= 0 ? component.slice(colon + 1) : component;
}

function toSeverity(value: string | undefined): Severity {
  const upper = (value ?? '').toUpperCase();
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : 'INFO';
}
