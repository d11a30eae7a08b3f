// Shared rig for the sonarflow tests: a stage context without the engine,
// the plan-pages -> fetch flow driven the way the runner drives it, the
// write stage given planned bundles, and a temp workspace holding the real
// sonarflow section of pipelines.yaml.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import type { ItemContext, JsonRecord } from '../../src/api.js';
import { fetchIssues } from '../../runners/sonarflow/fetch.js';
import { templatePlan } from '../../runners/sonarflow/plan.js';
import { planPages } from '../../runners/sonarflow/plan-pages.js';
import type { BundleRecord, IssueRecord, PlannedBundle } from '../../runners/sonarflow/types.js';
import { write } from '../../runners/sonarflow/write.js';
import { REPO, Workspace } from '../e2e/rig.js';

export const TOKEN = 'squ_5f0c2b9e8a7d4c1b3e6f9a2d5c8b1e4f7a0d3c6b';

export const FAST_HTTP = { requestTimeout: '5s', attempts: 4, backoff: '5ms' };

export interface FakeContext extends ItemContext {
  logs: string[];
}

export function fakeContext(options: {
  params?: Record<string, unknown>;
  env?: Record<string, string>;
  root?: string;
  inputs?: string[];
  signal?: AbortSignal;
}): FakeContext {
  const root = options.root ?? REPO;
  const logs: string[] = [];
  return {
    pipeline: 'sonarflow',
    stage: 'test',
    params: options.params ?? {},
    inputs: options.inputs ?? [],
    outputs: [],
    env: options.env ?? {},
    upstream: () => (async function* () {})(),
    signal: options.signal ?? new AbortController().signal,
    log: (message: string) => logs.push(message),
    progress: () => {},
    workspace: { root, stateDir: path.join(root, '.runner'), tmp: root, resolve: (p: string) => path.resolve(root, p) },
    memo: { get: async () => undefined, set: async () => {} },
    read: ((item: JsonRecord, encoding?: BufferEncoding) =>
      fs.readFileSync(path.resolve(root, String(item.path)), encoding)) as ItemContext['read'],
    code: 'test',
    index: 0,
    logs,
  };
}

/** A bundle of `complexity` issues in src/engine/a.ts, one a message, planned by the template planner. */
export function plannedBundle(id: string, messages: string[] = ['too complex']): PlannedBundle {
  const bundle: BundleRecord = {
    id,
    rule: 'complexity',
    prefix: 'src/engine',
    priority: 'P3',
    topSeverity: 'MINOR',
    types: ['CODE_SMELL'],
    tags: [],
    count: messages.length,
    effortMinutes: 0,
    issues: messages.map((message, i) => ({
      key: `k${i}`,
      file: 'src/engine/a.ts',
      line: i + 1,
      message,
      severity: 'MINOR',
      effort: null,
    })),
  };
  return { ...bundle, plan: templatePlan(bundle), planner: 'template' };
}

/** sonarflow's write stage over `bundles` in the workspace `root`, its task files in `out`. */
export function runWrite(root: string, bundles: PlannedBundle[], out = 'tasks'): Promise<JsonRecord[]> {
  const ctx = fakeContext({ params: { out }, root });
  return write({
    ...ctx,
    upstream: () =>
      (async function* () {
        yield* bundles;
      })(),
  });
}

export function sonarEnv(url: string, token = TOKEN, projectKey = 'demo'): Record<string, string> {
  return { SONAR_HOST_URL: url, SONAR_TOKEN: token, SONAR_PROJECT_KEY: projectKey };
}

/** plan-pages, then fetch over its records with `concurrency` pages in flight, as the map stage does. */
export async function planAndFetch(
  ctx: FakeContext,
  concurrency = 8,
): Promise<{ pages: JsonRecord[]; issues: IssueRecord[] }> {
  const pages = [...((await planPages(ctx)) as JsonRecord[])];
  const results: IssueRecord[][] = new Array(pages.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < pages.length; i = next++)
      results[i] = await fetchIssues(pages[i] as JsonRecord, { ...ctx, index: i });
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { pages, issues: results.flat() };
}

/**
 * A temp workspace whose pipelines.yaml is the repository's own sonarflow
 * section (so the tests run the real configuration), with runners/ linked in.
 */
export function sonarflowWorkspace(overrides: { stages?: Record<string, Record<string, unknown>> } = {}): Workspace {
  const ws = new Workspace('sonarflow-e2e-');
  const config = YAML.parse(fs.readFileSync(path.join(REPO, 'pipelines.yaml'), 'utf8')) as {
    defaults?: unknown;
    pipelines: Record<string, { stages: Record<string, Record<string, unknown>> }>;
  };
  const pipeline = config.pipelines.sonarflow;
  if (!pipeline) throw new Error('pipelines.yaml has no sonarflow pipeline');
  for (const [name, fields] of Object.entries(overrides.stages ?? {}))
    Object.assign(pipeline.stages[name] ?? {}, fields);
  ws.write(
    'pipelines.yaml',
    YAML.stringify({ version: 1, defaults: config.defaults, pipelines: { sonarflow: pipeline } }),
  );
  for (const link of ['runners', 'schemas', 'node_modules', 'src'])
    fs.symlinkSync(path.join(REPO, link), ws.path(link));
  return ws;
}

/** Every file under `dir` (recursively) whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const bytes = Buffer.from(needle);
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && fs.readFileSync(full).includes(bytes)) found.push(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found;
}

/** A throwaway HTTP server on 127.0.0.1 for the http.ts tests. */
export async function startServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A `sleep` for http.ts that records the delays and returns at once (no real waiting in tests). */
export function recordingSleep(): { delays: number[]; sleep(ms: number): Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}
