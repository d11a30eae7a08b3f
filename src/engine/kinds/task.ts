// A task stage: the module's export called once with the stage context; the
// records it returns (array, iterable or async iterable) become its dataset.
import type { JsonRecord, StageContext, TaskFn } from '../../api.js';
import type { DatasetWriter } from '../dataset.js';

/** Records go to the dataset this many at a time (DatasetWriter.writeRecords: one JSON.stringify for them all). */
export const TASK_BATCH = 512;

export async function runTask(fn: unknown, ctx: StageContext, writer: DatasetWriter, where: string): Promise<void> {
  if (typeof fn !== 'function')
    throw new TypeError(`${where} is ${describe(fn)}; a task stage exports a function (ctx) => records`);
  const result: unknown = await (fn as TaskFn)(ctx);
  if (result === undefined || result === null) return;
  const describeRecord = (): string => where;
  if (Array.isArray(result)) {
    // Nothing runs between two records of an array: it is written as it stands.
    for (let at = 0; at < result.length; at += TASK_BATCH) {
      ctx.signal.throwIfAborted();
      writer.writeRecords(result.slice(at, at + TASK_BATCH) as JsonRecord[], describeRecord);
    }
    return;
  }
  const batch = new YieldedRecords(writer, where);
  if (typeof result === 'object' && Symbol.asyncIterator in result) {
    for await (const record of result as AsyncIterable<JsonRecord>) {
      ctx.signal.throwIfAborted();
      batch.add(record);
    }
    batch.flush();
    return;
  }
  if (typeof result === 'object' && Symbol.iterator in result) {
    for (const record of result as Iterable<JsonRecord>) {
      ctx.signal.throwIfAborted();
      batch.add(record);
    }
    batch.flush();
    return;
  }
  throw new TypeError(
    `${where} returned ${describe(result)}; a task returns records (an array or an async iterable) or nothing`,
  );
}

/**
 * The records a task yields, written TASK_BATCH at a time: a record is read
 * when its batch is written, not at its yield. So a loop that yields one
 * object again and again, changing it in between, is an error (else its
 * batch would hold that object's last contents again and again). Only the
 * record just before is compared with: a Map of the batch's objects cost a
 * million records 0.1 s, a third of what writing them a batch at a time
 * saves.
 */
class YieldedRecords {
  readonly #writer: DatasetWriter;
  readonly #where: string;
  #records: JsonRecord[] = [];
  #last: unknown;
  /** Records given to add(). */
  #count = 0;

  constructor(writer: DatasetWriter, where: string) {
    this.#writer = writer;
    this.#where = where;
  }

  add(record: JsonRecord): void {
    this.#count++;
    if (record === this.#last && typeof record === 'object' && record !== null)
      throw new TypeError(
        `${this.#where} yielded one object as its records ${this.#count - 1} and ${this.#count} (counting from 1): ` +
          `records are read ${TASK_BATCH} at a time after they are yielded, so an object changed after its yield would be written as it ends up; ` +
          'yield a new object for each record (yield { ...record })',
      );
    this.#last = record;
    this.#records.push(record);
    if (this.#records.length === TASK_BATCH) this.flush();
  }

  flush(): void {
    const records = this.#records;
    this.#records = [];
    this.#writer.writeRecords(records, () => this.#where);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
