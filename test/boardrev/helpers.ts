// Shared by the boardrev tests: a stage context without the engine, the
// fixture workspace (a toy shop: sources and docs, with a board of four
// tasks and the process document under examples/, as in this repository), the
// in-process index -> match chain over it, and a temp workspace that runs
// the repository's own boardrev section of pipelines.yaml through the CLI.
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { ItemContext, JsonRecord } from '../../src/api.js';
import type { RunRecord } from '../../src/report/run-record.js';
import { repairTaskFile } from '../../runners/boardrev/frontmatter.js';
import { index } from '../../runners/boardrev/index.js';
import { matchBatch } from '../../runners/boardrev/match.js';
import type { ChunkRecord, MatchRecord, TaskRecord } from '../../runners/boardrev/types.js';
import { REPO, Workspace } from '../e2e/rig.js';

export const FIXTURE = path.join(REPO, 'test', 'fixtures', 'boardrev', 'workspace');

interface Section {
  params: Record<string, unknown>;
  stages: Record<string, Record<string, unknown>>;
}

export function boardrevSection(): Section {
  const config = parse(fs.readFileSync(path.join(REPO, 'pipelines.yaml'), 'utf8')) as {
    pipelines: { boardrev: Section };
  };
  return config.pipelines.boardrev;
}

/** The pipeline's params as pipelines.yaml declares them, with overrides. */
export function params(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...boardrevSection().params, ...overrides };
}

export function fakeContext(
  options: { params?: Record<string, unknown>; root?: string; upstream?: Record<string, JsonRecord[]> } = {},
): ItemContext & { logs: string[] } {
  const root = options.root ?? FIXTURE;
  const logs: string[] = [];
  const upstream = options.upstream ?? {};
  return {
    pipeline: 'boardrev',
    stage: 'test',
    params: options.params ?? params(),
    inputs: [],
    outputs: [],
    env: {},
    upstream: (name: string) =>
      (async function* () {
        yield* upstream[name] ?? [];
      })(),
    signal: new AbortController().signal,
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

/** Workspace-relative files under `dir` of the fixture, sorted. */
export function fixtureFiles(dir: string, root = FIXTURE): string[] {
  return (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[])
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')))
    .filter((f) => fs.statSync(path.join(root, f)).isFile())
    .sort();
}

/** The fixture's sources chunked and embedded by the index stage's function, in path order. */
export async function fixtureIndex(overrides: Record<string, unknown> = {}): Promise<ChunkRecord[]> {
  const ctx = fakeContext({ params: params(overrides) });
  const files = ['README.md', ...fixtureFiles('docs'), ...fixtureFiles('src')].sort();
  const chunks: ChunkRecord[] = [];
  for (const file of files) chunks.push(...(await index({ path: file, hash: '' }, ctx)));
  return chunks;
}

export function fixtureTasks(): TaskRecord[] {
  return fixtureFiles('examples/board').map(
    (file) =>
      repairTaskFile(fs.readFileSync(path.join(FIXTURE, file), 'utf8'), { path: file, board: 'examples/board' }).record,
  );
}

export async function fixtureMatches(overrides: Record<string, unknown> = {}): Promise<MatchRecord[]> {
  const chunks = await fixtureIndex(overrides);
  return matchBatch(fixtureTasks(), fakeContext({ params: params(overrides), upstream: { index: chunks } }));
}

/**
 * A temp workspace with a copy of the fixture shop and a pipelines.yaml
 * holding the repository's boardrev section (params overridable); runners/,
 * schemas/ and node_modules/ are links to the repository's.
 */
export function boardrevWorkspace(options: { params?: Record<string, unknown>; source?: string } = {}): Workspace {
  const ws = new Workspace('boardrev-');
  fs.cpSync(options.source ?? FIXTURE, ws.dir, { recursive: true });
  for (const link of ['runners', 'schemas', 'node_modules'])
    fs.symlinkSync(path.join(REPO, link), ws.path(link), 'dir');
  const section = boardrevSection();
  const config = parse(fs.readFileSync(path.join(REPO, 'pipelines.yaml'), 'utf8')) as { defaults?: unknown };
  const pipeline = { ...section, params: { ...section.params, ...options.params } };
  ws.write(
    'pipelines.yaml',
    stringify({
      version: 1,
      ...(config.defaults ? { defaults: config.defaults } : {}),
      pipelines: { boardrev: pipeline },
    }),
  );
  return ws;
}

/** Item counts of one boardrev stage in a run record. */
export function items(
  record: RunRecord,
  stage: string,
): { total: number; done: number; cached: number; failed: number } {
  const found = record.stages.find((s) => s.pipeline === 'boardrev' && s.stage === stage);
  if (!found?.items)
    throw new Error(`no item counts for ${stage} in the run record (outcome ${found?.outcome ?? 'none'})`);
  return found.items;
}

/** A match record built by hand: a task with `body`, and what match found for the terms it names. */
export function matchRecord(options: {
  status: string;
  body: string;
  found?: string[];
  files?: MatchRecord['files'];
}): MatchRecord {
  const found = new Set(options.found ?? []);
  const terms = [...options.body.matchAll(/`([^`\n]+)`/g)]
    .map((m) => m[1] ?? '')
    .filter((t) => /^--|[a-z][A-Z]|^[A-Z][a-z]{3,}|\(\)$/.test(t));
  return {
    id: 't',
    path: 'examples/board/t.md',
    title: 'T',
    status: options.status,
    priority: 'P3',
    labels: [],
    body: options.body,
    problems: [],
    embedder: 'local',
    matches: [],
    files: options.files ?? [],
    terms: [...new Set(terms)].map((term) =>
      found.has(term)
        ? { term, found: true, path: 'src/x.ts', line: 1, defined: true }
        : { term, found: false, path: null, line: null, defined: false },
    ),
  };
}
