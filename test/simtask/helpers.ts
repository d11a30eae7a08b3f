// Shared by the simtask tests: the fixture codebase and its planted groups,
// the in-process stage chain (scan -> embed -> cluster), a temp workspace
// that runs the real simtask pipeline through the CLI, and run records.
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { clusterEmbeddings } from '../../runners/simtask/cluster.js';
import { embedBatch, embedRecord } from '../../runners/simtask/embed.js';
import { extractFunctions } from '../../runners/simtask/extract.js';
import { planCluster } from '../../runners/simtask/plan.js';
import type { EmbedRecord, PlanRecord, ScanRecord } from '../../runners/simtask/types.js';
import type { write } from '../../runners/simtask/write.js';
import type { StageContext } from '../../src/api.js';
import type { RunRecord } from '../../src/report/run-record.js';
import { REPO, Workspace } from '../e2e/rig.js';

export const FIXTURE = path.join(REPO, 'test', 'fixtures', 'simtask');
export const FIXTURE_WORKSPACE = path.join(FIXTURE, 'workspace');
export const THRESHOLD = Number(simtaskSection().params.threshold);
export const MIN_TOKENS = Number(simtaskSection().params.minTokens);

/** Planted groups of the fixture, as `file#qualifiedName` lists. */
export function plantedGroups(): string[][] {
  const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as {
    groups: Record<string, string[]>;
  };
  return Object.values(expected.groups);
}

export function memberKey(member: { file: string; qualifiedName: string }): string {
  return `${member.file}#${member.qualifiedName}`;
}

/** Every function of the fixture codebase, scanned in-process, files in path order. */
export function fixtureFunctions(): ScanRecord[] {
  const root = path.join(FIXTURE_WORKSPACE, 'src');
  const files = (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((f) => /\.(c|m)?(t|j)sx?$/.test(f))
    .sort();
  return files.flatMap((file) =>
    extractFunctions(`src/${file.split(path.sep).join('/')}`, fs.readFileSync(path.join(root, file), 'utf8')),
  );
}

/** cluster's options as the repository's pipelines.yaml sets them. */
export function clusterOptions(): { threshold: number; k: number; minSize: number; minTokens: number } {
  const { params } = simtaskSection();
  return {
    threshold: Number(params.threshold),
    k: Number(params.k),
    minSize: Number(params.minSize),
    minTokens: Number(params.minTokens),
  };
}

export async function embedLocally(functions: ScanRecord[]): Promise<EmbedRecord[]> {
  const results = await embedBatch(functions, {
    params: { embedProvider: 'local' },
    env: {},
    signal: new AbortController().signal,
  });
  return functions.map((fn, i) => embedRecord(fn, results[i] as NonNullable<(typeof results)[number]>));
}

interface SimtaskSection {
  params: Record<string, unknown>;
  stages: Record<string, unknown>;
}

interface PipelinesFile {
  defaults?: Record<string, unknown>;
  pipelines: { simtask: SimtaskSection };
}

function repoPipelines(): PipelinesFile {
  return parse(fs.readFileSync(path.join(REPO, 'pipelines.yaml'), 'utf8')) as PipelinesFile;
}

/** The simtask pipeline exactly as the repository's pipelines.yaml declares it. */
export function simtaskSection(): SimtaskSection {
  return repoPipelines().pipelines.simtask;
}

/**
 * A temp workspace holding a copy of the fixture codebase and a
 * pipelines.yaml with the repository's simtask pipeline (params overridable);
 * runners/, schemas/ and node_modules/ are links to the repository's.
 */
export function simtaskWorkspace(options: { params?: Record<string, unknown>; source?: string } = {}): Workspace {
  const ws = new Workspace('simtask-');
  fs.cpSync(options.source ?? path.join(FIXTURE_WORKSPACE, 'src'), ws.path('src'), { recursive: true });
  for (const link of ['runners', 'schemas', 'node_modules'])
    fs.symlinkSync(path.join(REPO, link), ws.path(link), 'dir');
  const { defaults, pipelines } = repoPipelines();
  const simtask = pipelines.simtask;
  const config = {
    version: 1,
    ...(defaults ? { defaults } : {}),
    pipelines: { simtask: { ...simtask, params: { ...simtask.params, ...options.params } } },
  };
  ws.write('pipelines.yaml', stringify(config));
  return ws;
}

export function stageSummary(record: RunRecord, stage: string): RunRecord['stages'][number] {
  const found = record.stages.find((s) => s.pipeline === 'simtask' && s.stage === stage);
  if (!found) throw new Error(`no stage ${stage} in the run record`);
  return found;
}

/** Every file under `dir` (relative path -> content). */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  for (const file of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const absolute = path.join(dir, file);
    if (fs.statSync(absolute).isFile()) out.set(file, fs.readFileSync(absolute, 'utf8'));
  }
  return out;
}

/** Plan records of the fixture, through the in-process chain scan -> embed -> cluster -> plan (template). */
export async function fixturePlans(): Promise<PlanRecord[]> {
  const { params } = simtaskSection();
  const functions = fixtureFunctions();
  const groups = await clusterEmbeddings(await embedLocally(functions), {
    threshold: Number(params.threshold),
    k: Number(params.k),
    minSize: Number(params.minSize),
    minTokens: Number(params.minTokens),
  });
  const ctx = {
    params: { planProvider: 'template' },
    env: {},
    signal: new AbortController().signal,
    log: () => {},
    workspace: fixtureWorkspaceApi(),
  };
  return Promise.all(groups.map((group) => planCluster(group, ctx)));
}

/** ctx.workspace for stage code run in-process against the fixture workspace. */
export function fixtureWorkspaceApi(): StageContext['workspace'] {
  return {
    root: FIXTURE_WORKSPACE,
    stateDir: path.join(FIXTURE_WORKSPACE, '.runner'),
    tmp: path.join(FIXTURE_WORKSPACE, '.runner', 'tmp'),
    resolve: (relative: string) => path.join(FIXTURE_WORKSPACE, relative),
  };
}

/** A `ctx` for the write stage: `out` under `root`, the given plan records upstream, log lines collected. */
export function writeContext(
  root: string,
  plans: PlanRecord[],
  out = 'tasks',
  code = 'write-test',
): Parameters<typeof write>[0] & { lines: string[] } {
  const lines: string[] = [];
  return {
    code,
    params: { out },
    upstream: () =>
      (async function* () {
        yield* plans;
      })(),
    workspace: {
      root,
      stateDir: path.join(root, '.runner'),
      tmp: path.join(root, '.tmp'),
      resolve: (relative: string) => path.join(root, relative),
    },
    log: (line: string) => lines.push(line),
    lines,
  };
}
