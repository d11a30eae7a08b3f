// Shared by the subcommands: find and analyse pipelines.yaml, resolve names.
import fs from 'node:fs';
import path from 'node:path';
import { LockError, lockWorkspace } from '../cache/lock.js';
import { messageOf } from '../util/errors.js';
import { stopLeftGroups } from '../cache/stage-groups.js';
import { sweepTemp } from '../cache/temp-sweep.js';
import { analyse } from '../engine/analyse.js';
import type { Analysis } from '../engine/analyse.js';
import { parseWorkersAddress } from '../engine/map/remote-protocol.js';
import type { WorkersAddress } from '../engine/map/remote-protocol.js';
import { selectedStages } from '../engine/selection.js';
import type { Selection } from '../graph/dag.js';
import { defaultStoreUrl } from '../cache/store.js';
import type { SharedAccess } from '../cache/tiered-store.js';
import { formatDiagnostics } from '../report/diagnostics.js';
import { didYouMean } from '../util/suggest.js';
import { RUNNER_VERSION } from '../version.js';
import type { CliIo } from './io.js';
import { UsageError, warnOf } from './io.js';
import { findConfig } from '../config/find.js';

export interface GlobalOptions {
  file?: string;
  dir?: string;
}

/** The pipelines file this command works on: -f, -C, or the nearest upward; a usage error when there is none. */
export function configFile(io: CliIo, global: GlobalOptions): string {
  if (global.dir !== undefined) {
    const dir = path.resolve(io.cwd, global.dir);
    const st = fs.statSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw new UsageError(`-C ${global.dir}: ${st ? 'not a directory' : 'no such directory'}`);
  }
  const file = findConfig({ file: global.file, dir: global.dir, cwd: io.cwd });
  if (!file) throw new UsageError(`no pipelines.yaml in ${io.cwd} or any directory above it (use -f FILE or -C DIR)`);
  return file;
}

export async function loadAnalysis(
  io: CliIo,
  global: GlobalOptions,
  extra: { paramOverrides?: Record<string, string>; pipelines?: string[]; isFresh?: boolean } = {},
): Promise<Analysis> {
  const file = configFile(io, global);
  refuseStateFile(path.join(path.dirname(file), '.runner'));
  const result = await analyse({
    file,
    env: io.env,
    paramOverrides: extra.paramOverrides,
    pipelinesToCheck: extra.pipelines,
    runnerVersion: RUNNER_VERSION,
    isFresh: extra.isFresh,
    onBadFile: warnOf(io),
  });
  if (!result.ok)
    throw new UsageError(formatDiagnostics(result.diagnostics, result.source, io.cwd), { isDiagnostic: true });
  if (extra.pipelines) for (const name of extra.pipelines) requirePipeline(result.analysis, name);
  return result.analysis;
}

/**
 * Takes the workspace lock for `command`, saying on stderr whom it waits for,
 * and removes the temp files of runs that died; returns its release.
 */
export async function lockForCommand(io: CliIo, stateDir: string, command: string): Promise<() => void> {
  try {
    const release = await lockWorkspace(stateDir, {
      command,
      signal: io.signal,
      onWait: (holder) => {
        io.stderr(`waiting: another runner is using this workspace: ${holder}\n`);
        io.onWorkspaceWait?.();
      },
    });
    // Holding the lock, no other run of this workspace is writing: what a killed run left goes,
    // its shell commands first (they may still be writing outputs, and temp files).
    stopLeftGroups(stateDir);
    sweepTemp(stateDir);
    return release;
  } catch (error) {
    if (error instanceof LockError) throw new UsageError(error.message);
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code !== undefined && STATE_DIR_CODES.has(code))
      throw new UsageError(
        `cannot use ${stateDir}, the workspace's cache directory: ${messageOf(error)} (it must be a directory this user can write)`,
      );
    throw error;
  }
}

/** A `.runner` that is there but not a directory (a file, a dangling link): no command can use the workspace's cache. */
function refuseStateFile(stateDir: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(stateDir, { throwIfNoEntry: false });
  } catch (error) {
    throw new UsageError(`cannot use ${stateDir}, the workspace's cache directory: ${messageOf(error)}`);
  }
  if (st !== undefined && !st.isDirectory())
    throw new UsageError(
      `cannot use ${stateDir}, the workspace's cache directory: it is not a directory (remove or rename it; runner makes it)`,
    );
}

/** Why a workspace's .runner cannot be written: not the user's, a read-only disk, a file where it should be. */
const STATE_DIR_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST']);

/**
 * A command given no pipeline: a usage error naming the pipelines the file
 * has, so the next command can be typed from it (`runner <command> <pipeline>`).
 */
export async function noPipelineNamed(io: CliIo, global: GlobalOptions, command: string): Promise<never> {
  const { plan } = await loadAnalysis(io, global);
  const names = [...plan.pipelines.keys()];
  throw new UsageError(
    `name the pipeline: runner ${command} <pipeline> (${path.basename(plan.file)} has ${listed(names)})`,
  );
}

/** `runner explain <pipeline>` with no stage: a usage error naming the pipeline's stages. */
export async function noStageNamed(io: CliIo, global: GlobalOptions, pipeline: string): Promise<never> {
  const { plan } = await loadAnalysis(io, global, { pipelines: [pipeline] });
  const names = [...(plan.pipelines.get(pipeline)?.stages.keys() ?? [])];
  throw new UsageError(`name the stage: runner explain ${pipeline} <stage> (${pipeline} has ${listed(names)})`);
}

export function requirePipeline(analysis: Analysis, name: string): void {
  if (analysis.plan.pipelines.has(name)) return;
  const names = [...analysis.plan.pipelines.keys()];
  throw new UsageError(
    `no pipeline "${name}" in ${path.basename(analysis.plan.file)}${didYouMean(name, names)} (pipelines: ${listed(names)})`,
  );
}

/** Stage names given to --only/--from/--to/--force must exist in one of the pipelines. */
export function requireStages(
  analysis: Analysis,
  pipelines: readonly string[],
  names: readonly string[],
  flag: string,
): void {
  const known = pipelines.flatMap((p) => [...(analysis.plan.pipelines.get(p)?.stages.keys() ?? [])]);
  for (const name of names) {
    if (!known.includes(name))
      throw new UsageError(
        `${flag} ${name}: no such stage in ${pipelines.join(', ')}${didYouMean(name, known)} (stages: ${listed(known)})`,
      );
  }
}

/**
 * The --only/--from/--to of a command: every name a stage of the pipelines,
 * and together selecting at least one stage.
 */
export function selectionFrom(
  analysis: Analysis,
  pipelines: readonly string[],
  flags: { only?: string[]; from?: string[]; to?: string[] },
): { only: string[]; from: string[]; to: string[] } {
  const selection = { only: parseList(flags.only), from: parseList(flags.from), to: parseList(flags.to) };
  for (const flag of ['only', 'from', 'to'] as const) requireStages(analysis, pipelines, selection[flag], `--${flag}`);
  requireSelection(analysis, pipelines, selection);
  return selection;
}

/** --only/--from/--to that name stages but together select none (say --from after --to) are a mistake, not a no-op. */
function requireSelection(analysis: Analysis, pipelines: readonly string[], selection: Selection): void {
  const flags = (['only', 'from', 'to'] as const).filter((flag) => (selection[flag]?.length ?? 0) > 0);
  if (flags.length === 0) return;
  if (selectedStages({ plan: analysis.plan, graphs: analysis.graphs, pipelines, selection }).length > 0) return;
  const given = flags.map((flag) => `--${flag} ${selection[flag]?.join(',')}`).join(' ');
  const hint =
    selection.from?.length && selection.to?.length
      ? ': no stage is both downstream of --from and upstream of --to'
      : '';
  throw new UsageError(`${given} selects no stage of ${pipelines.join(', ')}${hint}`);
}

/** Names for a message: all of them, or the first 20 and how many more. */
function listed(names: readonly string[]): string {
  return names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')} and ${names.length - 20} more`;
}

export function storeUrlFor(analysis: Analysis, env: CliIo['env']): string {
  const root = analysis.plan.root;
  const url = env.RUNNER_CACHE_URL || analysis.plan.cacheUrl;
  return url ?? defaultStoreUrl(path.join(root, '.runner'));
}

/** How a shared store may be used: RUNNER_CACHE_READONLY=1 or cache.shared: read; RUNNER_CACHE_SIGNING_KEY signs. */
export function sharedAccessFor(analysis: Analysis, env: CliIo['env']): SharedAccess {
  const readonly = env.RUNNER_CACHE_READONLY;
  const isReadOnly =
    readonly !== undefined && readonly !== ''
      ? !['0', 'false', 'no'].includes(readonly.toLowerCase())
      : analysis.plan.cacheShared === 'read';
  const signingKey = env.RUNNER_CACHE_SIGNING_KEY || undefined;
  return { isReadOnly, signingKey };
}

/**
 * The remote workers' queue of a run: --workers (--no-workers: none), else
 * RUNNER_WORKERS, else `workers:` of pipelines.yaml; a usage error names
 * where a malformed one came from.
 */
export function workersFor(
  analysis: Analysis,
  env: CliIo['env'],
  flag: string | false | undefined,
): WorkersAddress | undefined {
  if (flag === false) return undefined;
  const [text, from] =
    flag !== undefined
      ? [flag, '--workers']
      : env.RUNNER_WORKERS
        ? [env.RUNNER_WORKERS, 'RUNNER_WORKERS']
        : [analysis.plan.workers, `workers in ${path.basename(analysis.plan.file)}`];
  if (text === undefined) return undefined;
  const address = parseWorkersAddress(text);
  if ('problem' in address) throw new UsageError(`${from}: ${address.problem}`);
  return address;
}

export function parseList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function parseParams(values: readonly string[] | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const value of values ?? []) {
    const at = value.indexOf('=');
    if (at <= 0) throw new UsageError(`--param ${value}: expected NAME=VALUE`);
    params[value.slice(0, at)] = value.slice(at + 1);
  }
  return params;
}
