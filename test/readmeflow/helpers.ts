// Shared rig for the readmeflow tests: copies of the fixture workspaces in
// temp directories, a stage context without the engine, the pipeline driven
// in-process stage by stage (as the runner drives it, cache aside), and a
// temp runner workspace holding the real readmeflow section of
// pipelines.yaml for the end-to-end tests through the CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { ItemContext, JsonRecord } from '../../src/api.js';
import type { RunEvent } from '../../src/engine/events.js';
import { outline } from '../../runners/readmeflow/outline.js';
import { packages } from '../../runners/readmeflow/packages.js';
import { scan } from '../../runners/readmeflow/scan.js';
import type { OutlineRecord, PackageRecord, ScanRecord, WriteRecord } from '../../runners/readmeflow/types.js';
import { write } from '../../runners/readmeflow/write.js';
import { REPO, Workspace } from '../e2e/rig.js';

export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'readmeflow');

/** A fresh temp directory; the caller removes it. */
export function tempDir(prefix = 'readmeflow-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Copies test/fixtures/readmeflow/<name> to `dest` (created), byte for byte. */
export function copyFixture(name: string, dest: string): void {
  fs.cpSync(path.join(FIXTURES, name), dest, { recursive: true });
}

export interface FakeContext extends ItemContext {
  logs: string[];
}

export function fakeContext(options: {
  root: string;
  params?: Record<string, unknown>;
  inputs?: string[];
  upstream?: Record<string, JsonRecord[]>;
  env?: Record<string, string>;
  /** Stage memo contents; pass one map to several contexts to share it across "runs". */
  memo?: Map<string, unknown>;
}): FakeContext {
  const { root } = options;
  const logs: string[] = [];
  const memo = options.memo ?? new Map<string, unknown>();
  return {
    pipeline: 'readmeflow',
    stage: 'test',
    params: options.params ?? {},
    inputs: options.inputs ?? [],
    outputs: [],
    env: options.env ?? {},
    upstream: (name: string) =>
      (async function* () {
        yield* options.upstream?.[name] ?? [];
      })(),
    signal: new AbortController().signal,
    log: (message: string) => logs.push(message),
    progress: () => {},
    workspace: { root, stateDir: path.join(root, '.runner'), tmp: root, resolve: (p: string) => path.resolve(root, p) },
    memo: {
      get: async <T>(key: string) => memo.get(key) as T | undefined,
      set: async (key: string, value: unknown) => void memo.set(key, value),
    },
    read: ((item: JsonRecord, encoding?: BufferEncoding) =>
      fs.readFileSync(path.resolve(root, String(item.path)), encoding)) as ItemContext['read'],
    code: 'test',
    index: 0,
    logs,
  };
}

/** Every file under `root/dir`, workspace-relative, as the packages stage's `inputs` would list them. */
export function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === '.runner') continue;
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

export interface InProcessRun {
  packages: PackageRecord[];
  scans: ScanRecord[];
  outlines: OutlineRecord[];
  writes: WriteRecord[];
  logs: string[];
}

/** packages -> scan -> outline -> write on `root/workspace`, in-process, no cache. */
export async function runInProcess(
  root: string,
  workspace: string,
  params: Record<string, unknown> = {},
): Promise<InProcessRun> {
  const ctx = fakeContext({
    root,
    params: { workspace, outlineProvider: 'template', outlineModel: 'none', ...params },
    inputs: listFiles(root, workspace),
  });
  const found: PackageRecord[] = [];
  for await (const record of packages(ctx)) found.push(record);
  const mapAll = async <I, R>(
    items: I[],
    definition: { run?: (item: I, c: ItemContext) => R | Promise<R>; emit?: (item: I, result: R) => unknown },
  ): Promise<unknown[]> => {
    const out: unknown[] = [];
    for (const item of items) {
      const result = await (definition.run as (item: I, c: ItemContext) => Promise<R>)(item, ctx);
      out.push(definition.emit ? definition.emit(item, result) : result);
    }
    return out;
  };
  const scans = (await mapAll(found, scan)) as ScanRecord[];
  const outlines = (await mapAll(scans, outline)) as OutlineRecord[];
  const writes = (await mapAll(outlines, write)) as WriteRecord[];
  return { packages: found, scans, outlines, writes, logs: ctx.logs };
}

/**
 * A temp runner workspace: pipelines.yaml is the repository's own readmeflow
 * section, runners/, schemas/, src/ and node_modules/ are linked in, and the
 * fixture workspace `fixture` is copied to examples/workspace (the default
 * of params.workspace), so the tests run the real configuration unchanged.
 */
export function readmeflowWorkspace(fixture: string): Workspace {
  const ws = new Workspace('readmeflow-e2e-');
  const config = YAML.parse(fs.readFileSync(path.join(REPO, 'pipelines.yaml'), 'utf8')) as {
    defaults?: unknown;
    pipelines: Record<string, unknown>;
  };
  const pipeline = config.pipelines.readmeflow;
  if (!pipeline) throw new Error('pipelines.yaml has no readmeflow pipeline');
  ws.write(
    'pipelines.yaml',
    YAML.stringify({ version: 1, defaults: config.defaults, pipelines: { readmeflow: pipeline } }),
  );
  for (const link of ['runners', 'schemas', 'node_modules', 'src'])
    fs.symlinkSync(path.join(REPO, link), ws.path(link));
  copyFixture(fixture, ws.path('examples', 'workspace'));
  return ws;
}

export type StageEnd = Extract<RunEvent, { event: 'stage:end' }>;

/** stage:end events by stage name. */
export function ends(events: RunEvent[]): Record<string, StageEnd> {
  const out: Record<string, StageEnd> = {};
  for (const event of events) if (event.event === 'stage:end') out[event.stage] = event;
  return out;
}

/** stage:log lines of one stage. */
export function logLines(events: RunEvent[], stage: string): string[] {
  return events.flatMap((e) => (e.event === 'stage:log' && e.stage === stage ? [e.line] : []));
}

/** Bytes of every file under `dir`, by relative path: a snapshot to compare runs with. */
export function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const file of listFiles(dir, '.')) out.set(file, fs.readFileSync(path.join(dir, file)));
  return out;
}
