// The far side of a worker thread (isolate: worker) or child process
// (isolate: process): loads the stage module once and computes batches of
// items sent by the pool. Protocol in pool.ts.
//
// Its link to the pool keeps it alive while it waits for batches; while a
// batch runs the link is unref'd, so an item waiting on a promise nothing
// can settle empties the event loop, as it would in the main thread: that
// item fails with the same message (stall.ts) instead of hanging the run.
import { parentPort } from 'node:worker_threads';
import { loadExport } from '../module-loader.js';
import { guardParams } from '../params-guard.js';
import {
  asKept,
  batchAnswerProblem,
  ensureSetup,
  isCacheable,
  itemContextOf,
  keepsRawResults,
  normaliseMap,
  outputRecords,
} from './definition.js';
import type { NormalisedMap } from './definition.js';
import type { JsonRecord, StageContext } from '../../api.js';
import type { FromPool, ToPool } from './pool.js';
import { AnswerBuilder, batchBlock, transferable } from './batch-wire.js';
import type { RecordBlock } from '../dataset-reader.js';
import { errorData, messageOf } from '../../util/errors.js';
import { inWorkspace } from '../../util/fs.js';
import { itemReader, noItemReader } from './item-read.js';
import { isPromiseLike, StallWatch, untilAborted } from '../stall.js';

// A child process whose runner is gone (killed: its channel closed) has no one to answer: it ends,
// quietly, rather than compute on and print Node's trace for an answer it cannot send.
if (!parentPort) process.on('disconnect', () => process.exit(0));

const send = (message: ToPool): void => {
  if (!parentPort) {
    // A send failing (the runner went away as it was made) ends the child as the disconnect does.
    if (process.connected) process.send?.(message, undefined, undefined, (error) => error && process.exit(0));
    return;
  }
  const moved: ArrayBuffer[] = message.type === 'log' || !message.items ? [] : [message.items];
  if (message.type === 'done')
    moved.push(...transferable(message.answer.bytes), message.answer.sizes.buffer as ArrayBuffer);
  parentPort.postMessage(message, moved);
};

/** A worker thread hands a batch's items' memory back once it is done with them (batch-memory.ts); a process does not. */
function itemsBack(message: Extract<FromPool, { type: 'batch' }>): ArrayBuffer | undefined {
  const { buffer } = message.items;
  return parentPort && buffer instanceof ArrayBuffer ? buffer : undefined;
}
const aborts = new Map<number, AbortController>();
/** Batches running: while there are any, the link to the pool does not keep the process alive. */
let running = 0;
const stall = new StallWatch(() => running > 0);

function holdLink(isHeld: boolean): void {
  const link = parentPort ?? (process.channel as { ref(): void; unref(): void } | undefined);
  if (isHeld) link?.ref();
  else link?.unref();
}

/** `work`, or the stall's error once nothing is left that could settle it. */
function unlessStalled<T>(work: T | PromiseLike<T>): Promise<T> {
  return untilAborted(Promise.resolve(work), stall.signal);
}

async function handle(message: FromPool): Promise<void> {
  if (message.type === 'abort') {
    aborts.get(message.id)?.abort(new Error('cancelled'));
    return;
  }
  if (message.type === 'warm') {
    // A failure here shows again, with its message, on the first batch.
    await loadExport(message.root, message.module, message.exportName)
      .then((exported) => ensureSetup(normaliseMap(exported, `${message.module}#${message.exportName}`)))
      .catch(() => {});
    return;
  }
  const controller = new AbortController();
  aborts.set(message.id, controller);
  if (running++ === 0) holdLink(false);
  try {
    const where = `${message.module}#${message.exportName}`;
    const map = normaliseMap(await loadExport(message.context.root, message.module, message.exportName), where);
    await unlessStalled(ensureSetup(map));
    const ctx = contextFor(message, controller.signal);
    const count = message.indexes.length;
    const answer = new AnswerBuilder(count);
    const items = batchBlock(message.items, count);
    if (map.isBatch) await batchOf(map, items.records(), ctx, where, answer);
    else await oneByOne(map, items, ctx, message.indexes, answer);
    send({ type: 'done', id: message.id, answer: answer.finish(), items: itemsBack(message) });
  } catch (error) {
    send({ type: 'fatal', id: message.id, error: errorData(error), items: itemsBack(message) });
  } finally {
    aborts.delete(message.id);
    if (--running === 0) holdLink(true);
  }
}

/** The stage context items see in a worker: no upstream, no memo. */
function contextFor(message: Extract<FromPool, { type: 'batch' }>, signal: AbortSignal): StageContext {
  const { context } = message;
  return {
    pipeline: context.pipeline,
    stage: context.stage,
    params: guardParams(context.params, `${context.pipeline}/${context.stage}`),
    inputs: [],
    outputs: context.outputs,
    env: context.env,
    signal,
    upstream: () => {
      throw new Error(
        `ctx.upstream() is not available to items running in a ${parentPort ? 'worker thread (isolate: worker)' : 'child process (isolate: process)'}`,
      );
    },
    log: (line: string) => send({ type: 'log', id: message.id, line: String(line) }),
    progress: () => {},
    workspace: {
      root: context.root,
      stateDir: context.stateDir,
      tmp: context.tmp,
      resolve: (file: string) => inWorkspace(context.root, file),
    },
    memo: { get: async () => undefined, set: async () => {} },
    read: context.files
      ? itemReader({ root: context.root, stage: `${context.pipeline}/${context.stage}`, worker: context.worker })
      : noItemReader(`${context.pipeline}/${context.stage}`, 'its items are records'),
    code: context.code,
  };
}

async function batchOf(
  map: NormalisedMap,
  items: JsonRecord[],
  ctx: StageContext,
  where: string,
  answer: AnswerBuilder,
): Promise<void> {
  let results: unknown[] | undefined;
  let failure: { message: string; stack?: string } | undefined;
  try {
    results = await unlessStalled(map.definition.batch?.(items, ctx));
    const problem = batchAnswerProblem(results, items.length, where);
    if (problem || !results) failure = { message: problem ?? 'no answer' };
  } catch (error) {
    failure = errorData(error);
  }
  for (const [i, item] of items.entries()) {
    if (failure) answer.fail(failure);
    else addResult(answer, map, item, results?.[i]);
  }
}

/** Each item parsed when its turn comes (batchBlock). */
async function oneByOne(
  map: NormalisedMap,
  items: RecordBlock,
  ctx: StageContext,
  indexes: Float64Array,
  answer: AnswerBuilder,
): Promise<void> {
  const contextAt = itemContextOf(ctx);
  for (let offset = 0; offset < indexes.length; offset++) {
    if (ctx.signal.aborted) {
      answer.fail({ message: 'cancelled' });
      continue;
    }
    const item = items.item(offset);
    let value: unknown;
    try {
      value = map.definition.run?.(item, contextAt(indexes[offset] ?? offset));
      // A plain value needs no watch: only a promise can wait on nothing.
      if (isPromiseLike(value)) value = await unlessStalled(value);
    } catch (error) {
      answer.fail(errorData(error));
      continue;
    }
    addResult(answer, map, item, value);
  }
}

/**
 * An item's result into the answer: after the stage's emit, each output
 * record as its own line; the raw result as JSON too when the stage keeps
 * it (its emit needs the current item, and it has its own key).
 */
function addResult(answer: AnswerBuilder, map: NormalisedMap, item: JsonRecord, result: unknown): void {
  let value = result;
  let raw: string | undefined;
  if (keepsRawResults(map)) {
    try {
      ({ raw, value } = asKept(result));
    } catch (error) {
      answer.fail({ ...errorData(error), message: `its result is not JSON: ${messageOf(error)}` });
      return;
    }
  }
  let output = value;
  if (map.emit) {
    try {
      output = map.emit(item, value);
    } catch (error) {
      answer.fail({ message: `emit: ${messageOf(error)}` });
      return;
    }
  }
  const checked = outputRecords(output);
  if ('problem' in checked) {
    answer.fail({ message: checked.problem });
    return;
  }
  let isAccepted: boolean;
  try {
    isAccepted = isCacheable(map, value);
  } catch (error) {
    answer.fail({ ...errorData(error), message: `cacheable: ${messageOf(error)}` });
    return;
  }
  try {
    answer.add(checked.records, { raw, isCacheable: isAccepted });
  } catch (error) {
    // A record JSON cannot write (a BigInt, a cycle, a Date): the item fails, and nothing of it is in the answer.
    answer.fail({ ...errorData(error), message: `produced a record that is not JSON: ${messageOf(error)}` });
  }
}

const listen = (message: FromPool): void => void handle(message);
if (parentPort) parentPort.on('message', listen);
else process.on('message', listen);
