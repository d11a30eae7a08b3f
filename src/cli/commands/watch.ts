// `runner exec <pipeline> --watch`: run, then rerun whenever an input of a
// selected stage, a stage's run module (or a local module it imports, as its
// key has them) or pipelines.yaml changes. Changes
// are debounced; a change during a run queues exactly one rerun after it.
// Declared outputs never trigger a run, so a stage whose outputs are another
// stage's inputs does not loop. Ctrl-C (the CLI's abort signal) stops it.
// Started as the `runner` command, each run is a runner process of its own
// (watch-cycle.ts), so an edited stage module never runs stale.
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import picomatch from 'picomatch';
import { codeHashes } from '../../cache/code-hash.js';
import { StatCache } from '../../cache/stat-cache.js';
import type { ConfigPlan } from '../../config/types.js';
import { foreachOf, runOf } from '../../config/types.js';
import { requirePackage } from '../../util/require.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError } from '../io.js';
import { loadAnalysis } from '../load.js';
import type { GlobalOptions } from '../load.js';
import { findConfig } from '../../config/find.js';
import { RerunLoop } from './rerun-loop.js';
import { messageOf } from '../../util/errors.js';
import { toPosix } from '../../util/fs.js';

export const WATCH_DEBOUNCE_MS = 200;
const SKIPPED = /(^|[\\/])(\.git|\.runner|node_modules)([\\/]|$)/;

export interface WatchTargets {
  /** Absolute paths to watch, pipelines.yaml first: directories (recursively) and files. */
  paths: string[];
  /** Whether a change to this absolute path can change a selected stage's key. */
  isRelevant(file: string): boolean;
}

export interface WatchOptions {
  runOnce: () => Promise<number>;
  /** Files never to rerun for (the --report file). */
  ignore?: readonly string[];
  /** The command's --param values, which the runs use. */
  paramOverrides?: Record<string, string>;
}

export async function watchCommand(
  io: CliIo,
  global: GlobalOptions,
  pipelines: readonly string[],
  options: WatchOptions,
): Promise<number> {
  const { watch } = requirePackage('chokidar') as typeof import('chokidar');
  let targets = await loadTargets(io, global, pipelines, options);
  const root = targets.paths[0] ? path.dirname(targets.paths[0]) : io.cwd;
  // The workspace is watched from its root, pruned to the targets and the
  // directories above them: a target watched by itself was dropped once
  // deleted (chokidar), and never seen again when made anew (an input
  // directory checked out again, a module restored). Targets outside the
  // workspace (absolute patterns) are watched by themselves.
  let isInTree = treeOf(root, targets.paths);
  const watcher: FSWatcher = watch([root, ...targets.paths.filter((p) => !isInside(root, p))], {
    ignoreInitial: true,
    ignored: (file: string) => SKIPPED.test(path.relative(root, file)) || !isInTree(path.resolve(file)),
  });
  let lastCode: number = EXIT.ok;
  const loop = new RerunLoop({
    debounceMs: WATCH_DEBOUNCE_MS,
    run: async () => {
      try {
        lastCode = await options.runOnce();
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        // As main() prints it; watching goes on, so the next save can fix it.
        io.stderr(error.isDiagnostic ? `${error.message}\n` : `runner: ${error.message}\n`);
        lastCode = EXIT.usage;
      }
      // pipelines.yaml may have changed what to watch.
      const next = await loadTargets(io, global, pipelines, options);
      const added = next.paths.filter((p) => !targets.paths.includes(p));
      isInTree = treeOf(root, next.paths);
      if (added.length > 0) watcher.add(added);
      targets = next;
      if (!io.signal?.aborted) io.stderr('watch: waiting for changes (Ctrl-C to stop)\n');
    },
    onError: (error) => io.stderr(`runner: watch: ${error.stack ?? error.message}\n`),
  });
  watcher.on('all', (event, file) => {
    if ((event === 'add' || event === 'change' || event === 'unlink') && targets.isRelevant(file)) {
      if (loop.isIdle)
        io.stderr(
          `watch: ${path.relative(io.cwd, file) || file} ${event === 'unlink' ? 'removed' : event === 'add' ? 'added' : 'changed'}\n`,
        );
      loop.trigger();
    }
  });
  watcher.on('error', (error) => io.stderr(`runner: watch: ${messageOf(error)}\n`));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  loop.runNow();
  await aborted(io.signal);
  await loop.stop();
  await watcher.close();
  // Ctrl-C between runs ends watching normally; during a run it interrupted that run.
  return lastCode === EXIT.interrupted ? EXIT.interrupted : EXIT.ok;
}

async function loadTargets(
  io: CliIo,
  global: GlobalOptions,
  pipelines: readonly string[],
  options: WatchOptions,
): Promise<WatchTargets> {
  const config = findConfig({ file: global.file, dir: global.dir, cwd: io.cwd });
  try {
    // With the run's --param values: a param can name the inputs (`${params.src}/**`).
    const { plan } = await loadAnalysis(io, global, {
      pipelines: [...pipelines],
      paramOverrides: options.paramOverrides,
    });
    return watchTargets(plan, pipelines, options.ignore);
  } catch (error) {
    if (!(error instanceof UsageError) || config === undefined) throw error;
    // A broken pipelines.yaml: watch it alone until it is fixed.
    return { paths: [config], isRelevant: (file) => path.resolve(file) === config };
  }
}

/**
 * What to watch for the selected pipelines: input and foreach globs' base
 * directories, run modules and the local modules they import, pipelines.yaml.
 */
export function watchTargets(
  plan: ConfigPlan,
  pipelines: readonly string[],
  ignore: readonly string[] = [],
): WatchTargets {
  const bases = new Set<string>();
  const files = new Set<string>([plan.file]);
  const stages: { include: (relative: string, absolute: string) => boolean; exclude: (file: string) => boolean }[] = [];
  const outputs: string[] = [];
  // Imports are read as the key reads them (read now, so a module a later edit imports joins at the next cycle).
  const stats = new StatCache({ root: plan.root });
  for (const name of pipelines) {
    for (const stage of plan.pipelines.get(name)?.stages.values() ?? []) {
      const { definition } = stage;
      const foreach = foreachOf(definition);
      const run = runOf(definition);
      const patterns = [...definition.inputs, ...(foreach?.kind === 'files' ? foreach.patterns : [])];
      const include = patterns.filter((p) => !p.startsWith('!'));
      const exclude = [
        ...patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)),
        ...(foreach?.kind === 'files' ? foreach.exclude : []),
      ];
      for (const pattern of include) bases.add(picomatch.scan(pattern).base || '.');
      // The run module and every local module it imports (codeHashes lists the module itself too).
      if (run) for (const [file] of codeHashes(stats, run.module)) files.add(path.resolve(plan.root, file));
      outputs.push(...definition.outputs);
      if (include.length > 0) stages.push({ include: byForm(include), exclude: matcher(exclude) });
    }
  }
  const isOutput = byForm(outputs);
  const ignored = new Set(ignore.map((f) => path.resolve(plan.root, f)));
  return {
    // pipelines.yaml first: its directory is the workspace root.
    paths: [...new Set([plan.file, ...[...bases].map((b) => path.resolve(plan.root, b)), ...files])],
    isRelevant: (file) => {
      const absolute = path.resolve(plan.root, file);
      if (ignored.has(absolute)) return false;
      if (files.has(absolute)) return true;
      // A file has two names, as expandGlobs sees it: workspace-relative and absolute.
      const relative = toPosix(path.relative(plan.root, absolute));
      const posix = toPosix(absolute);
      const isInside = relative !== '..' && !relative.startsWith('../');
      if (SKIPPED.test(isInside ? relative : posix) || isOutput(relative, posix)) return false;
      return stages.some((s) => s.include(relative, posix) && !s.exclude(relative) && !s.exclude(posix));
    },
  };
}

/** Relative patterns match a file's workspace-relative name, absolute ones its absolute name. */
function byForm(patterns: readonly string[]): (relative: string, absolute: string) => boolean {
  const isRelativeMatch = matcher(patterns.filter((p) => !p.startsWith('/')));
  const isAbsoluteMatch = matcher(patterns.filter((p) => p.startsWith('/')));
  return (relative, absolute) => isRelativeMatch(relative) || isAbsoluteMatch(absolute);
}

function matcher(patterns: readonly string[]): (file: string) => boolean {
  if (patterns.length === 0) return () => false;
  const isMatch = picomatch([...patterns], { dot: true });
  return (file) => isMatch(file);
}

/**
 * Whether a path is watched: outside `root` (a target watched by itself, and
 * what is in it), a target or in one, or a directory on the way from `root`
 * to one. Nothing else of the workspace gets a watch.
 */
function treeOf(root: string, targets: readonly string[]): (absolute: string) => boolean {
  const inside = targets.filter((target) => isInside(root, target));
  const targetDirs = new Set(inside);
  const kept = new Set<string>(inside);
  for (const target of inside)
    for (let dir = path.dirname(target); isInside(root, dir) && !kept.has(dir); dir = path.dirname(dir)) kept.add(dir);
  kept.add(root);
  return (absolute) => {
    if (!isInside(root, absolute)) return true;
    for (let at = absolute; isInside(root, at); at = path.dirname(at)) {
      if (kept.has(at)) return at === absolute || targetDirs.has(at);
    }
    return false;
  };
}

/** `file` is `root` or below it. */
function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
