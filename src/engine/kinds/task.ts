// A task stage: the module's export called once with the stage context; the
// records it returns (array, iterable or async iterable) become its dataset.
import type { JsonRecord, StageContext, TaskFn } from '../../api.js';
import type { DatasetWriter } from '../dataset.js';

export async function runTask(fn: unknown, ctx: StageContext, writer: DatasetWriter, where: string): Promise<void> {
  if (typeof fn !== 'function')
    throw new TypeError(`${where} is ${describe(fn)}; a task stage exports a function (ctx) => records`);
  const result: unknown = await (fn as TaskFn)(ctx);
  if (result === undefined || result === null) return;
  const describeRecord = (): string => where;
  if (typeof result === 'object' && Symbol.asyncIterator in result) {
    for await (const record of result as AsyncIterable<JsonRecord>) {
      ctx.signal.throwIfAborted();
      writer.write(record, describeRecord);
    }
    return;
  }
  if (typeof result === 'object' && Symbol.iterator in result) {
    for (const record of result as Iterable<JsonRecord>) {
      ctx.signal.throwIfAborted();
      writer.write(record, describeRecord);
    }
    return;
  }
  throw new TypeError(
    `${where} returned ${describe(result)}; a task returns records (an array or an async iterable) or nothing`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
