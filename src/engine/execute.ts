// Runs a stage's work: one attempt per try, each under its own timeout,
// retried up to `retries` times; then records its outputs in the object store.
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import { shellEnvironment } from '../config/environment.js';
import type { StagePlan } from '../config/types.js';
import { expandGlobs, isGlob } from '../cache/glob.js';
import { noteStageGroup } from '../cache/stage-groups.js';
import type { FileHashes } from '../cache/list-text.js';
import type { DatasetRecord, ItemCounts, ItemManifestRef, OutputRecord, StageRecord } from '../cache/state.js';
import { createContext, makeTempDir } from './context.js';
import { DatasetWriter } from './dataset.js';
import { isDirectoryMode } from '../util/fs.js';
import { LostRecordsError } from './dataset-reader.js';
import type { Failure } from './events.js';
import type { KeyAsLeft } from './fixpoint.js';
import type { Keyed } from './key.js';
import type { KeptFiles } from './key-list.js';
import { runShell } from './kinds/shell.js';
import { runTask } from './kinds/task.js';
import { loadExport, ModuleLoadError } from './module-loader.js';
import { failureText } from './reasons.js';
import type { Resources } from './resources.js';
import { codeLocation, messageOf } from '../util/errors.js';
import { untilAborted } from './stall.js';
import type { StallWatch } from './stall.js';

export interface ExecuteInput {
  stage: StagePlan;
  inputs: readonly string[];
  foreachFiles: readonly string[];
  /** Content hash of each of foreachFiles (what the stage key was built from; undefined: not read yet). */
  foreachHashes: FileHashes;
  /** A stage started before its files were read (Keyed.later): reads the first n foreach files' hashes. */
  hashesThrough?: (n: number) => void;
  /** The foreach files' bytes as the hash pass read them, kept for ctx.read (Keyed.later's). */
  keptFiles?: KeptFiles;
  upstream: ReadonlyMap<string, StageRecord>;
  res: Resources;
  signal: AbortSignal;
  /** Environment of the runner process: a shell stage sees its pass-through variables (config/environment.ts). */
  baseEnv: Readonly<Record<string, string | undefined>>;
  onProgress(done: number, total: number | undefined, cached: number): void;
  /** One hash of the stage's code, as its key has it (ctx.code). */
  code: string;
  /** Runs map stages (kept out of this module so it stays about attempts and outputs). */
  runMap?: MapRunner;
  /** Map stages: the stage key without the items' own contents (item-cache scope). */
  itemScope?: string;
  /** An in-place stage (cache.inPlace): its key over the files as its work left them (fixpoint.ts). */
  keyAsLeft?: () => KeyAsLeft | { failure: Failure };
  /** The item manifest of the stage's last record here. */
  previousItems?: ItemManifestRef;
  isNoCache?: boolean;
  /** --force: compute every item again (and cache the results). */
  isForced?: boolean;
  /** Called once the stage's own work is done, before its outputs are recorded: the job slot can go to the next stage. */
  onWorkDone?: () => void;
  /** Ends the work of in-process code that can no longer finish (the run's StallWatch). */
  stall?: StallWatch;
}

/**
 * Item counts of a map stage, its failure when some items failed, and (with
 * an item cache) how to write its item manifest once its dataset is stored.
 */
export type MapRunner = (
  input: ExecuteInput,
  signal: AbortSignal,
  writer: DatasetWriter,
) => Promise<{ items: ItemCounts; failure?: Failure; commit?: CommitItems }>;

/** Writes a map stage's item manifest for its stored dataset, under its item scope (or `scope`). */
export type CommitItems = (dataset: DatasetRecord, scope?: string) => Promise<ItemManifestRef>;

export type ExecuteResult =
  | {
      ok: true;
      outputs: OutputRecord[];
      dataset?: DatasetRecord;
      items?: ItemCounts;
      itemManifest?: ItemManifestRef;
      attempts: number;
      /** An in-place stage: the key it is recorded under, over its files as it left them. */
      keyed?: Keyed;
    }
  | { ok: false; failure: Failure; isCancelled: boolean; attempts: number; items?: ItemCounts };

export async function execute(input: ExecuteInput): Promise<ExecuteResult> {
  const { stage, res } = input;
  // A map stage retries failed items, not the whole stage (retries would multiply).
  const attempts = stage.definition.kind === 'map' ? 1 : stage.knobs.retries + 1;
  let last: ExecuteResult = {
    ok: false,
    failure: { kind: 'error', message: 'not run' },
    isCancelled: false,
    attempts: 0,
  };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    last = await attemptOnce(input, attempt);
    // Another attempt would fail the same way: a module does not load, or upstream records are gone.
    if (
      last.ok ||
      last.isCancelled ||
      last.failure.kind === 'bad-module' ||
      last.failure.kind === 'upstream-records-lost'
    )
      return last;
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

/** What a stage's own work came to, before its outputs are recorded. */
interface WorkDone {
  failure?: Failure;
  items?: ItemCounts;
  commitItems?: CommitItems;
}

async function attemptOnce(input: ExecuteInput, attempt: number): Promise<ExecuteResult> {
  const { stage, res } = input;
  const { definition, knobs } = stage;
  const deadline = new Deadline(input.signal, knobs.timeoutMs);
  const writer =
    definition.kind === 'shell' ? undefined : new DatasetWriter(res.objects, { compress: definition.cache.compress });
  let done: WorkDone;
  try {
    // A map stage fails its stalled items itself (compute.ts), naming them; a shell command cannot stall.
    const running = work(input, deadline.signal, writer);
    done = await (input.stall && definition.kind === 'task' ? untilAborted(running, input.stall.signal) : running);
  } catch (error) {
    done = { failure: failureOf(error, res.root) };
  } finally {
    deadline.clear();
  }
  const { items } = done;
  const failure = deadline.isTimedOut ? { kind: 'timeout' as const, afterMs: knobs.timeoutMs ?? 0 } : done.failure;
  if (failure || deadline.signal.aborted) {
    writer?.abort();
    const isCancelled = !deadline.isTimedOut && input.signal.aborted;
    return {
      ok: false,
      failure: failure ?? { kind: 'killed', signal: 'SIGTERM' },
      isCancelled,
      attempts: attempt,
      items,
    };
  }
  input.onWorkDone?.();
  const asLeft = input.keyAsLeft?.();
  if (asLeft && 'failure' in asLeft)
    return { ok: false, failure: asLeft.failure, isCancelled: false, attempts: attempt, items };
  const dataset = writer ? await writer.finish() : undefined;
  const itemManifest = dataset && done.commitItems ? await done.commitItems(dataset, asLeft?.itemScope) : undefined;
  const outputs = await recordOutputs(stage, res, input.isNoCache === true);
  if ('failure' in outputs)
    return { ok: false, failure: outputs.failure, isCancelled: false, attempts: attempt, items };
  return { ok: true, outputs: outputs.records, dataset, items, itemManifest, attempts: attempt, keyed: asLeft?.keyed };
}

function failureOf(error: unknown, root: string): Failure {
  if (error instanceof ModuleLoadError) return { kind: 'bad-module', message: error.message };
  if (error instanceof LostRecordsError)
    return { kind: 'upstream-records-lost', stage: error.stage, problem: error.problem };
  return { kind: 'error', message: messageOf(error), stack: (error as Error)?.stack, at: codeLocation(error, root) };
}

/** The stage's own work, by kind. */
async function work(input: ExecuteInput, signal: AbortSignal, writer: DatasetWriter | undefined): Promise<WorkDone> {
  const { stage, res } = input;
  const { definition } = stage;
  if (definition.kind === 'shell') {
    const failure = await runShell({
      command: definition.shell,
      cwd: res.root,
      env: shellEnvironment(input.baseEnv, definition.env),
      signal,
      onLine: (stream, line) =>
        res.emit({ event: 'stage:log', pipeline: stage.pipeline, stage: stage.name, stream, line }),
      onGroup: (pid) => noteStageGroup(res.stateDir, pid),
    });
    return { failure };
  }
  if (!writer) throw new Error(`${stage.id}: a ${definition.kind} stage needs a dataset to write`);
  if (definition.kind === 'map') {
    if (!input.runMap) throw new Error('map stages need a map runner');
    const result = await input.runMap(input, signal, writer);
    return { items: result.items, failure: result.failure, commitItems: result.commit };
  }
  const { module, exportName } = definition.run;
  const fn = await loadExport(res.root, module, exportName);
  const tmp = makeTempDir(res, stage);
  try {
    const onProgress = (done: number, total?: number): void => input.onProgress(done, total, 0);
    const ctx = createContext({
      stage,
      inputs: input.inputs,
      upstream: input.upstream,
      signal,
      res,
      tmp,
      onProgress,
      code: input.code,
    });
    // In-process code that ignores its signal still ends at a timeout or Ctrl-C (and runs on unobserved).
    await untilAborted(runTask(fn, ctx, writer, `${module}#${exportName}`), signal);
    return {};
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** An attempt's signal: the run's, plus the stage's timeout. */
class Deadline {
  readonly #controller = new AbortController();
  readonly #outer: AbortSignal;
  readonly #onOuterAbort: () => void;
  readonly #timer: NodeJS.Timeout | undefined;
  isTimedOut = false;

  constructor(outer: AbortSignal, timeoutMs: number | undefined) {
    this.#outer = outer;
    // Map stages hang one listener per in-flight item or batch on this signal.
    setMaxListeners(0, this.#controller.signal);
    this.#onOuterAbort = () => this.#controller.abort(outer.reason);
    outer.addEventListener('abort', this.#onOuterAbort, { once: true });
    if (outer.aborted) this.#controller.abort(outer.reason);
    this.#timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            this.isTimedOut = true;
            this.#controller.abort(new Error('timeout'));
          }, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#outer.removeEventListener('abort', this.#onOuterAbort);
  }
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
async function recordOutputs(
  stage: StagePlan,
  res: Resources,
  isNoCache: boolean,
): Promise<{ records: OutputRecord[] } | { failure: Failure }> {
  const records: OutputRecord[] = [];
  for (const file of outputFiles(stage, res)) {
    const st = res.stats.stat(file);
    const hash = st ? res.stats.hash(file, st) : undefined;
    if (!st || hash === undefined) {
      const isDirectory = st !== undefined && isDirectoryMode(st.mode);
      return { failure: { kind: 'output-not-written', path: file, ...(isDirectory ? { isDirectory: true } : {}) } };
    }
    if (!isNoCache) await res.objects.putFileAsync(res.stats.absolute(file), hash);
    records.push({ path: file, hash, size: st.size, mode: st.mode });
  }
  return { records };
}
