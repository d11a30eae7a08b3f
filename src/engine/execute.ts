// Runs a stage's work: one attempt per try, each under its own timeout,
// retried up to `retries` times; then records its outputs in the object store.
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import type { StagePlan } from '../config/types.js';
import { expandGlobs, isGlob } from '../cache/glob.js';
import type { DatasetRecord, ItemCounts, ItemManifestRef, OutputRecord, StageRecord } from '../cache/state.js';
import { createContext, makeTempDir } from './context.js';
import { DatasetWriter } from './dataset.js';
import type { Failure } from './events.js';
import { runShell } from './kinds/shell.js';
import { runTask } from './kinds/task.js';
import { loadExport, ModuleLoadError } from './module-loader.js';
import { failureText } from './reasons.js';
import type { Resources } from './resources.js';

export interface ExecuteInput {
  stage: StagePlan;
  inputs: readonly string[];
  foreachFiles: readonly string[];
  /** Content hash of each of foreachFiles (what the stage key was built from). */
  foreachHashes: readonly string[];
  upstream: ReadonlyMap<string, StageRecord>;
  res: Resources;
  signal: AbortSignal;
  /** Environment of the runner process, under the stage's own env. */
  baseEnv: Readonly<Record<string, string | undefined>>;
  onProgress(done: number, total: number | undefined, cached: number): void;
  /** Runs map stages (kept out of this module so it stays about attempts and outputs). */
  runMap?: MapRunner;
  /** Map stages: the stage key without the items' own contents (item-cache scope). */
  itemScope?: string;
  /** The item manifest of the stage's last record here. */
  previousItems?: ItemManifestRef;
  isNoCache?: boolean;
  /** --force: compute every item again (and cache the results). */
  isForced?: boolean;
  /** Called once the stage's own work is done, before its outputs are recorded: the job slot can go to the next stage. */
  onWorkDone?: () => void;
}

/**
 * Item counts of a map stage, its failure when some items failed, and (with
 * an item cache) how to write its item manifest once its dataset is stored.
 */
export type MapRunner = (
  input: ExecuteInput,
  signal: AbortSignal,
  writer: DatasetWriter,
) => Promise<{ items: ItemCounts; failure?: Failure; commit?: (dataset: DatasetRecord) => Promise<ItemManifestRef> }>;

export type ExecuteResult =
  | { ok: true; outputs: OutputRecord[]; dataset?: DatasetRecord; items?: ItemCounts; itemManifest?: ItemManifestRef; attempts: number }
  | { ok: false; failure: Failure; isCancelled: boolean; attempts: number; items?: ItemCounts };

export async function execute(input: ExecuteInput): Promise<ExecuteResult> {
  const { stage, res } = input;
  // A map stage retries failed items, not the whole stage (retries would multiply).
  const attempts = stage.definition.kind === 'map' ? 1 : stage.knobs.retries + 1;
  let last: ExecuteResult = { ok: false, failure: { kind: 'error', message: 'not run' }, isCancelled: false, attempts: 0 };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    last = await attemptOnce(input, attempt);
    if (last.ok || last.isCancelled || last.failure.kind === 'bad-module') return last;
    if (attempt < attempts) {
      res.emit({
        event: 'stage:log',
        pipeline: stage.pipeline,
        stage: stage.name,
        stream: 'log',
        line: `attempt ${attempt} of ${attempts} failed (${failureText(last.failure)}); retrying`,
      });
    }
  }
  return last;
}

async function attemptOnce(input: ExecuteInput, attempt: number): Promise<ExecuteResult> {
  const { stage, res } = input;
  const { definition, knobs } = stage;
  const controller = new AbortController();
  // Map stages hang one listener per in-flight item or batch on this signal.
  setMaxListeners(0, controller.signal);
  const onOuterAbort = (): void => controller.abort(input.signal.reason);
  input.signal.addEventListener('abort', onOuterAbort, { once: true });
  if (input.signal.aborted) controller.abort(input.signal.reason);
  let isTimedOut = false;
  const timer =
    knobs.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          isTimedOut = true;
          controller.abort(new Error('timeout'));
        }, knobs.timeoutMs);
  const signal = controller.signal;
  // Shell stages get no scratch directory: they have the whole filesystem.
  const tmp = definition.kind === 'task' ? makeTempDir(res, stage) : undefined;
  const writer = definition.kind === 'shell' ? undefined : new DatasetWriter(res.objects, { compress: definition.cache.compress });
  let failure: Failure | undefined;
  let items: ItemCounts | undefined;
  let commitItems: ((dataset: DatasetRecord) => Promise<ItemManifestRef>) | undefined;
  try {
    // Outputs the last run linked into the object store get a private copy
    // first: a command that rewrites one in place must not change the blob.
    for (const file of outputFiles(stage, res)) {
      try {
        res.objects.detach(res.stats.absolute(file));
      } catch (error) {
        throw new Error(`cannot copy output ${file} apart from its stored copy before the stage runs: ${(error as Error).message}`);
      }
    }
    if (definition.kind === 'shell') {
      failure = await runShell({
        command: definition.shell ?? '',
        cwd: res.root,
        env: { ...input.baseEnv, ...Object.fromEntries(definition.env.map((e) => [e.name, e.value])) },
        signal,
        onLine: (stream, line) => res.emit({ event: 'stage:log', pipeline: stage.pipeline, stage: stage.name, stream, line }),
      });
    } else if (definition.kind === 'task' && writer) {
      const run = definition.run ?? { module: '', exportName: '' };
      const fn = await loadExport(res.root, run.module, run.exportName);
      const ctx = createContext({
        stage,
        inputs: input.inputs,
        upstream: input.upstream,
        signal,
        res,
        tmp: tmp ?? res.stateDir,
        onProgress: (done, total) => input.onProgress(done, total, 0),
      });
      await runTask(fn, ctx, writer, `${run.module}#${run.exportName}`);
    } else if (definition.kind === 'map' && writer) {
      if (!input.runMap) throw new Error('map stages need a map runner');
      const result = await input.runMap(input, signal, writer);
      items = result.items;
      failure = result.failure;
      commitItems = result.commit;
    }
  } catch (error) {
    failure =
      error instanceof ModuleLoadError
        ? { kind: 'bad-module', message: error.message }
        : { kind: 'error', message: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack };
  } finally {
    if (timer) clearTimeout(timer);
    input.signal.removeEventListener('abort', onOuterAbort);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (isTimedOut) failure = { kind: 'timeout', afterMs: knobs.timeoutMs ?? 0 };
  if (failure || signal.aborted) {
    writer?.abort();
    const isCancelled = !isTimedOut && input.signal.aborted;
    return { ok: false, failure: failure ?? { kind: 'killed', signal: 'SIGTERM' }, isCancelled, attempts: attempt, items };
  }
  input.onWorkDone?.();
  const dataset = writer ? await writer.finish() : undefined;
  const itemManifest = dataset && commitItems ? await commitItems(dataset) : undefined;
  const outputs = await recordOutputs(stage, res, input.isNoCache === true);
  if ('failure' in outputs) return { ok: false, failure: outputs.failure, isCancelled: false, attempts: attempt, items };
  return { ok: true, outputs: outputs.records, dataset, items, itemManifest, attempts: attempt };
}

/** The declared output files of a stage: literal paths, and what its globs match now. */
function outputFiles(stage: StagePlan, res: Resources): string[] {
  const files = new Set<string>();
  for (const pattern of stage.definition.outputs) {
    if (isGlob(pattern)) {
      for (const file of expandGlobs(res.stats, [pattern])) files.add(file);
    } else {
      files.add(pattern);
    }
  }
  return [...files].sort();
}

/** Hashes the declared outputs and (unless --no-cache) puts them into the object store. */
async function recordOutputs(stage: StagePlan, res: Resources, isNoCache: boolean): Promise<{ records: OutputRecord[] } | { failure: Failure }> {
  const records: OutputRecord[] = [];
  for (const file of outputFiles(stage, res)) {
    const st = res.stats.stat(file);
    const hash = st ? res.stats.hash(file, st) : undefined;
    if (!st || hash === undefined) return { failure: { kind: 'output-not-written', path: file } };
    if (!isNoCache) await res.objects.putFileAsync(res.stats.absolute(file), hash);
    records.push({ path: file, hash, size: st.size, mode: st.mode });
  }
  return { records };
}
