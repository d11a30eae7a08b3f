// How a batch crosses to a worker thread or child process and back: the
// items as one text of JSON lines, and the answer as one text of output
// lines with three numbers per item. The main thread, which every worker
// shares, then moves a string each way per batch instead of a string, an
// object and an array per item, and never measures an item's bytes.
import type { JsonRecord } from '../../api.js';
import type { ItemResult } from './pool.js';

type ItemError = { message: string; stack?: string };

/** A batch's answer as it crosses the thread boundary (see AnswerBuilder). */
export interface BatchAnswer {
  /** The output lines of the items that succeeded, in item order, each ending in a newline. */
  text: string;
  /** Per item, three numbers: its records (-1: it failed), its lines' UTF-16 length in `text`, their UTF-8 bytes. */
  sizes: number[];
  /** The failed items' errors, by position in the batch. */
  errors: Record<number, ItemError>;
  /** Raw results as JSON, by position (stages whose emit needs the current item keep them). */
  raws?: Record<number, string>;
  /** Positions of the items whose result cacheable() refused. */
  uncacheable?: number[];
}

/**
 * A batch's items, `count` JSON lines each ending in a newline, as records:
 * one JSON.parse of the lines as an array (JSON text has no raw newlines);
 * line by line when that is not `count` records, so that the error names
 * the line.
 */
export function parseItems(text: string, count: number): JsonRecord[] {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  try {
    const parsed: unknown = JSON.parse(`[${body.replaceAll('\n', ',')}]`);
    if (Array.isArray(parsed) && parsed.length === count && parsed.every(isRecord)) return parsed;
  } catch {
    // read line by line below, for the error
  }
  const lines = body === '' ? [] : body.split('\n');
  if (lines.length !== count) throw new Error(`a batch of ${count} items came with ${lines.length} lines`);
  return lines.map((line, n) => {
    const value: unknown = JSON.parse(line);
    if (!isRecord(value)) throw new Error(`item ${n + 1} of the batch is not a record (a JSON object)`);
    return value;
  });
}

function isRecord(value: unknown): value is JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Builds a BatchAnswer item by item, in order (the worker's side). */
export class AnswerBuilder {
  #text = '';
  readonly #sizes: number[] = [];
  readonly #errors: Record<number, ItemError> = {};
  readonly #raws: Record<number, string> = {};
  readonly #uncacheable: number[] = [];

  /** The next item produced `records`; `raw`: its result as JSON, when the stage keeps it. */
  add(records: JsonRecord[], options: { raw?: string; isCacheable: boolean }): void {
    const n = this.#sizes.length / 3;
    let out = '';
    for (const record of records) out += `${JSON.stringify(record)}\n`;
    this.#text += out;
    this.#sizes.push(records.length, out.length, Buffer.byteLength(out));
    if (options.raw !== undefined) this.#raws[n] = options.raw;
    if (!options.isCacheable) this.#uncacheable.push(n);
  }

  /** The next item failed. */
  fail(error: ItemError): void {
    this.#errors[this.#sizes.length / 3] = error;
    this.#sizes.push(-1, 0, 0);
  }

  finish(): BatchAnswer {
    const answer: BatchAnswer = { text: this.#text, sizes: this.#sizes, errors: this.#errors };
    if (Object.keys(this.#raws).length > 0) answer.raws = this.#raws;
    if (this.#uncacheable.length > 0) answer.uncacheable = this.#uncacheable;
    return answer;
  }
}

/**
 * A BatchAnswer as one result per item (the main thread's side): an item's
 * lines are its slice of the answer's text, which V8 keeps as a view.
 */
export function itemResults(answer: BatchAnswer, count: number): ItemResult[] {
  const { text, sizes, errors, raws } = answer;
  if (sizes.length !== count * 3) throw new Error(`a batch of ${count} items was answered for ${sizes.length / 3}`);
  const uncacheable = new Set(answer.uncacheable);
  const results = new Array<ItemResult>(count);
  let at = 0;
  for (let n = 0; n < count; n++) {
    const records = sizes[n * 3] ?? -1;
    if (records < 0) {
      results[n] = { ok: false, error: errors[n] ?? { message: 'no result' } };
      continue;
    }
    const chars = sizes[n * 3 + 1] ?? 0;
    const result: ItemResult = { ok: true, out: text.slice(at, at + chars), records, bytes: sizes[n * 3 + 2] ?? 0 };
    at += chars;
    const raw = raws?.[n];
    if (raw !== undefined) result.raw = raw;
    if (uncacheable.has(n)) result.isCacheable = false;
    results[n] = result;
  }
  return results;
}

/**
 * What is wrong with an item's result that came from outside this process
 * (a remote worker's answer, read as JSON), if anything: a computed item is
 * its lines, each ending in a newline, as many as its record count, of the
 * UTF-8 bytes it says (the new item manifest indexes the dataset by them);
 * a failed one has a message.
 */
export function resultProblem(result: unknown): string | undefined {
  if (result === null || typeof result !== 'object') return 'not an object';
  const r = result as Record<string, unknown>;
  if (r.ok === false) {
    const error = r.error as { message?: unknown } | undefined;
    return typeof error?.message === 'string' ? undefined : 'a failure without a message';
  }
  const { out, records, bytes, raw } = r;
  if (r.ok !== true || typeof out !== 'string' || typeof records !== 'number' || typeof bytes !== 'number')
    return 'neither lines nor a failure';
  let lines = 0;
  for (let at = out.indexOf('\n'); at !== -1; at = out.indexOf('\n', at + 1)) lines++;
  if (out !== '' && !out.endsWith('\n')) return 'its last line has no newline';
  if (lines !== records) return `${records} records in ${lines} lines`;
  const actual = Buffer.byteLength(out);
  if (actual !== bytes) return `${bytes} bytes said, ${actual} sent`;
  if (raw !== undefined && typeof raw !== 'string') return 'a raw result that is not text';
  return undefined;
}
