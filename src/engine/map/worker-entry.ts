// The far side of a worker thread (isolate: worker) or child process
// (isolate: process): loads the stage module once and computes batches of
// items sent by the pool. Protocol in pool.ts.
import { parentPort } from 'node:worker_threads';
import { loadExport } from '../module-loader.js';
import { guardParams } from '../params-guard.js';
import { batchAnswerProblem, ensureSetup, normaliseMap, outputRecords } from './definition.js';
import type { NormalisedMap } from './definition.js';
import type { ItemContext, JsonRecord, StageContext } from '../../api.js';
import type { FromPool, ItemResult, ToPool } from './pool.js';

const send = (message: ToPool): void => {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
};
const aborts = new Map<number, AbortController>();

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
  try {
    const exported = await loadExport(message.context.root, message.module, message.exportName);
    const where = `${message.module}#${message.exportName}`;
    const map = normaliseMap(exported, where);
    await ensureSetup(map);
    const ctx: StageContext = {
      pipeline: message.context.pipeline,
      stage: message.context.stage,
      params: guardParams(message.context.params, `${message.context.pipeline}/${message.context.stage}`),
      inputs: [],
      outputs: message.context.outputs,
      env: message.context.env,
      signal: controller.signal,
      upstream: () => {
        throw new Error('ctx.upstream() is not available to items running in a worker (isolate: worker)');
      },
      log: (line: string) => send({ type: 'log', id: message.id, line: String(line) }),
      progress: () => {},
      workspace: {
        root: message.context.root,
        stateDir: message.context.stateDir,
        tmp: message.context.tmp,
        resolve: (relative: string) => `${message.context.root}/${relative}`,
      },
      memo: {
        get: async () => undefined,
        set: async () => {},
      },
    };
    const items = message.texts.map((text) => JSON.parse(text) as JsonRecord);
    if (map.isBatch && map.definition.batch) {
      try {
        const results = await map.definition.batch(items, ctx);
        const problem = batchAnswerProblem(results, items.length, where);
        const answers = problem ? items.map((): ItemResult => ({ ok: false, error: { message: problem } })) : items.map((item, i) => asText(map, item, results[i]));
        send({ type: 'done', id: message.id, results: answers });
      } catch (error) {
        const failure = { ok: false as const, error: errorData(error) };
        send({ type: 'done', id: message.id, results: items.map(() => failure) });
      }
      return;
    }
    const results: ItemResult[] = [];
    for (const [offset, item] of items.entries()) {
      if (controller.signal.aborted) {
        results.push({ ok: false, error: { message: 'cancelled' } });
        continue;
      }
      try {
        const itemCtx: ItemContext = { ...ctx, index: message.indexes[offset] ?? offset };
        results.push(asText(map, item, await map.definition.run?.(item, itemCtx)));
      } catch (error) {
        results.push({ ok: false, error: errorData(error) });
      }
    }
    send({ type: 'done', id: message.id, results });
  } catch (error) {
    send({ type: 'fatal', id: message.id, error: errorData(error) });
  } finally {
    aborts.delete(message.id);
  }
}

/**
 * A result as JSON text: the raw result (what the item cache keeps) and,
 * after the stage's emit, each output record as its own line.
 */
function asText(map: NormalisedMap, item: JsonRecord, value: unknown): ItemResult {
  let output = value;
  if (map.emit) {
    try {
      output = map.emit(item, value);
    } catch (error) {
      return { ok: false, error: { message: `emit: ${(error as Error).message}` } };
    }
  }
  const checked = outputRecords(output);
  if ('problem' in checked) return { ok: false, error: { message: checked.problem } };
  const lines = checked.records.map((record) => JSON.stringify(record));
  // Without emit the result is its records: their lines make its JSON.
  const json = map.emit
    ? (JSON.stringify(value) ?? 'null')
    : value === undefined || value === null
      ? 'null'
      : Array.isArray(value)
        ? `[${lines.join(',')}]`
        : (lines[0] ?? 'null');
  return map.cacheable && !map.cacheable(value) ? { ok: true, json, lines, isCacheable: false } : { ok: true, json, lines };
}

function errorData(error: unknown): { message: string; stack?: string } {
  return error instanceof Error ? { message: error.message, stack: error.stack } : { message: String(error) };
}

const listen = (message: FromPool): void => void handle(message);
if (parentPort) parentPort.on('message', listen);
else process.on('message', listen);
