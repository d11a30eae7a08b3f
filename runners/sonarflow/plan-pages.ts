// Stage `plan-pages` (task): what `fetch` will fetch, one record per unit.
//   source=sonarqube  one record per page (ps=500) of every window under
//                     SonarQube's 10,000-result limit; `fetch` maps over
//                     them with its own `concurrency`
//   source=sarif      one record per run of every file params.sarif matches
//
// SonarQube answers `p * ps > 10000` with HTTP 400, so a project with more
// open issues is cut into windows of at most 10,000, each paged on its own.
// Dimensions, in order, each used only while a window is still too large:
//   severities  the five severities (one request each to count)
//   types       BUG, VULNERABILITY, CODE_SMELL
//   created     createdAfter (inclusive) / createdBefore (exclusive) windows,
//               bisected down to one second
//   rules       the rules facet, rules packed into windows under the limit
//               (one analysis creates its issues in the same second)
// Invariant: every window's children together hold exactly its issues; a
// split whose counts do not add up is an error rather than a silent gap.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { StageContext } from '../../src/api.js';
import { parseSarif } from './sarif.js';
import { baseQuery, PAGE_SIZE, sonarClient } from './settings.js';
import { RESULT_LIMIT } from './sonar-client.js';
import type { SearchOptions, SearchResponse } from './sonar-client.js';
import { ISSUE_TYPES, SEVERITIES } from './types.js';
import type { FetchItem, SarifRunItem, SonarPageItem, SonarQuery } from './types.js';

export async function planPages(ctx: StageContext): Promise<FetchItem[]> {
  const source = ctx.params.source;
  if (source === 'sarif') return sarifRuns(ctx);
  if (source === 'sonarqube') return sonarPages(ctx);
  throw new Error(`params.source must be sarif or sonarqube (got ${JSON.stringify(source)})`);
}

async function sonarPages(ctx: StageContext): Promise<FetchItem[]> {
  const { client, settings } = sonarClient(ctx);
  const windows = await planWindows(client, baseQuery(settings), { log: (line) => ctx.log(line) });
  const pages = pagesOf(windows, PAGE_SIZE);
  const total = windows.reduce((n, w) => n + w.total, 0);
  ctx.log(
    `${settings.projectKey}: ${total} open issues in ${windows.length} window(s), ${pages.length} page(s) of ${PAGE_SIZE}`,
  );
  return pages;
}

function sarifRuns(ctx: StageContext): SarifRunItem[] {
  if (ctx.inputs.length === 0)
    throw new Error('params.sarif matches no file: point it at a SARIF report (--param sarif=path/to/report.sarif)');
  const items: SarifRunItem[] = [];
  for (const file of ctx.inputs) {
    const text = fs.readFileSync(ctx.workspace.resolve(file), 'utf8');
    const log = parseSarif(text, file);
    const hash = createHash('sha256').update(text).digest('hex');
    (log.runs ?? []).forEach((_, run) => {
      items.push({ id: `${file}#${run}`, source: 'sarif', path: file, run, hash });
    });
  }
  return items;
}

export interface IssueSearch {
  search(query: SonarQuery, page: number, pageSize: number, options?: SearchOptions): Promise<SearchResponse>;
}

export interface IssueWindow {
  id: string;
  query: SonarQuery;
  total: number;
}

export interface SplitOptions {
  /** The result window; SonarQube's is 10,000. */
  limit?: number;
  log?(message: string): void;
}

export async function planWindows(
  client: IssueSearch,
  base: SonarQuery,
  options: SplitOptions = {},
): Promise<IssueWindow[]> {
  const limit = options.limit ?? RESULT_LIMIT;
  const count = async (query: SonarQuery): Promise<number> => (await client.search(query, 1, 1)).paging.total;

  const childrenOf = async (
    query: SonarQuery,
    total: number,
  ): Promise<{ by: string; children: Child[] } | undefined> => {
    if (query.severities === undefined)
      return { by: 'severities', children: await counted(SEVERITIES.map((s) => ({ ...query, severities: s }))) };
    if (query.types === undefined)
      return { by: 'types', children: await counted(ISSUE_TYPES.map((t) => ({ ...query, types: t }))) };
    const range =
      query.createdAfter === undefined
        ? await creationRange(client, query)
        : { from: toSeconds(query.createdAfter), to: toSeconds(query.createdBefore ?? '') };
    if (range && range.to - range.from > 1) {
      const middle = Math.floor((range.from + range.to) / 2);
      const halves = [
        { ...query, createdAfter: formatSonarDate(range.from), createdBefore: formatSonarDate(middle) },
        { ...query, createdAfter: formatSonarDate(middle), createdBefore: formatSonarDate(range.to) },
      ];
      return { by: 'creation date', children: await counted(halves) };
    }
    if (query.rules === undefined) return byRules(client, query, total, limit);
    return undefined;
  };

  const counted = async (queries: SonarQuery[]): Promise<Child[]> =>
    Promise.all(queries.map(async (query) => ({ query, total: await count(query) })));

  const split = async (query: SonarQuery, total: number): Promise<IssueWindow[]> => {
    if (total === 0) return [];
    if (total <= limit) return [{ id: windowId(query, base), query, total }];
    const found = await childrenOf(query, total);
    if (!found) {
      throw new Error(
        `${total} issues in ${windowId(query, base)} cannot be split below SonarQube's ${limit}-result limit (one rule, one severity, one type, one second)`,
      );
    }
    const sum = found.children.reduce((n, c) => n + c.total, 0);
    if (sum !== total) {
      throw new Error(
        `splitting ${windowId(query, base)} by ${found.by} found ${sum} of its ${total} issues; did the project change while the pages were planned? Run again`,
      );
    }
    options.log?.(
      `${windowId(query, base)}: ${total} issues > ${limit}, split by ${found.by} into ${found.children.filter((c) => c.total > 0).length}`,
    );
    const windows: IssueWindow[] = [];
    for (const child of found.children) windows.push(...(await split(child.query, child.total)));
    return windows;
  };

  return split(base, await count(base));
}

interface Child {
  query: SonarQuery;
  total: number;
}

/** One record per page of every window, ready for `fetch`. */
export function pagesOf(windows: readonly IssueWindow[], pageSize: number): SonarPageItem[] {
  const pages: SonarPageItem[] = [];
  for (const window of windows) {
    const count = Math.ceil(window.total / pageSize);
    for (let p = 1; p <= count; p++) {
      pages.push({
        id: `${window.id} p${p}/${count}`,
        source: 'sonarqube',
        query: window.query,
        p,
        ps: pageSize,
        windowTotal: window.total,
      });
    }
  }
  return pages;
}

async function creationRange(
  client: IssueSearch,
  query: SonarQuery,
): Promise<{ from: number; to: number } | undefined> {
  const oldest = (await client.search(query, 1, 1, { sort: { field: 'CREATION_DATE', isAscending: true } })).issues[0]
    ?.creationDate;
  const newest = (await client.search(query, 1, 1, { sort: { field: 'CREATION_DATE', isAscending: false } })).issues[0]
    ?.creationDate;
  if (oldest === undefined || newest === undefined) return undefined;
  return { from: toSeconds(oldest), to: toSeconds(newest) + 1 };
}

async function byRules(
  client: IssueSearch,
  query: SonarQuery,
  total: number,
  limit: number,
): Promise<{ by: string; children: Child[] } | undefined> {
  const response = await client.search(query, 1, 1, { facets: 'rules' });
  const values = response.facets?.find((f) => f.property === 'rules')?.values ?? [];
  // The facet lists only the top rules; when it misses some issues the split would too.
  if (values.reduce((n, v) => n + v.count, 0) !== total || values.some((v) => v.count > limit)) return undefined;
  const groups: { rules: string[]; total: number }[] = [];
  for (const value of [...values].sort((a, b) => b.count - a.count || (a.val < b.val ? -1 : 1))) {
    const group = groups.find((g) => g.total + value.count <= limit);
    if (group) {
      group.rules.push(value.val);
      group.total += value.count;
    } else {
      groups.push({ rules: [value.val], total: value.count });
    }
  }
  return {
    by: 'rules',
    children: groups.map((g) => ({ query: { ...query, rules: [...g.rules].sort().join(',') }, total: g.total })),
  };
}

/** A readable name of the window: its filters beyond the base query. */
export function windowId(query: SonarQuery, base: SonarQuery): string {
  const parts: string[] = [];
  for (const name of ['severities', 'types', 'createdAfter', 'createdBefore', 'rules'] as const) {
    const value = query[name];
    if (value !== undefined && value !== base[name]) parts.push(`${name}=${value}`);
  }
  return parts.length > 0 ? parts.join('&') : 'all';
}

/** SonarQube dates (`2024-01-15T10:20:30+0100`) to epoch seconds. */
export function toSeconds(date: string): number {
  const iso = date.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not a SonarQube date: ${JSON.stringify(date)}`);
  return Math.floor(ms / 1000);
}

/** Epoch seconds to the datetime form createdAfter/createdBefore accept, in UTC. */
export function formatSonarDate(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}+0000`;
}
