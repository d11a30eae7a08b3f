// A map stage's export, normalised: a plain function `(item, ctx)` or the
// object form { run | batch, key?, emit? } (see src/api.ts MapDefinition).
import type { ItemContext, ItemOutput, JsonRecord, MapDefinition, StageContext } from '../../api.js';
import { messageOf } from '../../util/errors.js';

export interface NormalisedMap {
  /** Whether the computing function takes a batch (array) of items. */
  isBatch: boolean;
  definition: MapDefinition<JsonRecord, unknown>;
  key?: (item: JsonRecord) => string;
  emit?: (item: JsonRecord, result: unknown) => ItemOutput;
  cacheable?: (result: unknown) => boolean;
  setup?: () => unknown;
}

const setups = new WeakMap<() => unknown, Promise<void>>();

/** Runs a map's `setup` once per thread (every caller awaits the same run); a failing setup fails every item. */
export function ensureSetup(map: NormalisedMap): Promise<void> {
  const { setup } = map;
  if (!setup) return Promise.resolve();
  let done = setups.get(setup);
  if (!done) {
    done = (async () => {
      try {
        await setup();
      } catch (error) {
        throw new Error(`setup() failed: ${messageOf(error)}`, { cause: error });
      }
    })();
    setups.set(setup, done);
  }
  return done;
}

export function normaliseMap(value: unknown, where: string): NormalisedMap {
  if (typeof value === 'function') {
    return { isBatch: false, definition: { run: value as MapDefinition<JsonRecord, unknown>['run'] } };
  }
  if (value !== null && typeof value === 'object') {
    const definition = value as MapDefinition<JsonRecord, unknown>;
    const hasRun = typeof definition.run === 'function';
    const hasBatch = typeof definition.batch === 'function';
    if (hasRun === hasBatch) {
      throw new TypeError(`${where} must have exactly one of run(item, ctx) or batch(items, ctx)`);
    }
    for (const name of ['key', 'emit', 'cacheable', 'setup'] as const) {
      if (definition[name] !== undefined && typeof definition[name] !== 'function') {
        throw new TypeError(`${where}.${name} must be a function`);
      }
    }
    return {
      isBatch: hasBatch,
      definition,
      key: definition.key,
      emit: definition.emit,
      cacheable: definition.cacheable,
      setup: definition.setup,
    };
  }
  throw new TypeError(
    `${where} is ${value === null ? 'null' : typeof value}; a map stage exports a function (item, ctx) or { run | batch, key?, emit? }`,
  );
}

/**
 * Whether a stage keeps each item's raw result beside its output lines:
 * one whose emit needs the current item and that has its own key (a reused
 * item is emitted again, with the item as it is now). Asked by the main
 * thread (what to journal and cache) and by a worker (what to send back).
 */
export function keepsRawResults(map: NormalisedMap): boolean {
  return map.emit !== undefined && map.key !== undefined;
}

/**
 * Whether the stage's cacheable() lets `value` into the cache: its answer
 * taken for true or false as JavaScript would (undefined: no), inline and in
 * a worker alike; yes without one. Throws what cacheable() throws.
 */
export function isCacheable(map: NormalisedMap, value: unknown): boolean {
  return map.cacheable === undefined || Boolean(map.cacheable(value));
}

/**
 * A result as a stage that keeps raw results keeps it: its JSON, and the
 * value read back from it. emit() and cacheable() are given that value on
 * the run that computes the result as on every run that finds it cached,
 * so an item's records do not depend on whether it was cached (a Date, a
 * Set, an undefined there would otherwise be one thing fresh and a
 * string, {} or null cached). Throws what JSON.stringify throws.
 */
export function asKept(value: unknown): { raw: string; value: unknown } {
  const raw = JSON.stringify(value) ?? 'null';
  return { raw, value: JSON.parse(raw) as unknown };
}

/** What is wrong with a batch export's answer for `count` items, if anything. */
export function batchAnswerProblem(results: unknown, count: number, where: string): string | undefined {
  if (Array.isArray(results) && results.length === count) return undefined;
  const got = Array.isArray(results) ? `${results.length} results` : typeof results;
  return `${where}.batch returned ${got} for ${count} items`;
}

/**
 * Records from what one item produced (a record, an array of records, or
 * nothing), or what is wrong with it: every record must be a JSON object.
 */
export function outputRecords(output: unknown): { records: JsonRecord[] } | { problem: string } {
  const records: unknown[] = output === undefined || output === null ? [] : Array.isArray(output) ? output : [output];
  for (const record of records) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      const what = record === null ? 'null' : Array.isArray(record) ? 'a nested array' : typeof record;
      return { problem: `produced ${what}, not a record` };
    }
  }
  return { records: records as JsonRecord[] };
}

/** A short name for an item in messages: its id, path, key or name, else its position. */
export function describeItem(item: unknown, index: number): string {
  if (item !== null && typeof item === 'object') {
    const record = item as Record<string, unknown>;
    for (const field of ['id', 'path', 'key', 'name', 'file']) {
      const value = record[field];
      if (typeof value === 'string' || typeof value === 'number') return `${field}=${String(value)}`;
    }
  }
  return `item #${index}`;
}

/**
 * The context of one item: the stage's, with the item's index, as one
 * object literal of a fixed shape. Spreading the stage's context and adding
 * `index` costs about a microsecond an item, and copying one that already
 * holds `index` a fifth of that: at a million items, a second and a fifth
 * of one. (A field added to StageContext must be added here: the compiler
 * asks for it.)
 */
export function itemContextOf(ctx: StageContext): (index: number) => ItemContext {
  const {
    pipeline,
    stage,
    params,
    inputs,
    outputs,
    env,
    signal,
    upstream,
    log,
    progress,
    workspace,
    memo,
    read,
    code,
  } = ctx;
  return (index) => ({
    pipeline,
    stage,
    params,
    inputs,
    outputs,
    env,
    signal,
    upstream,
    log,
    progress,
    workspace,
    memo,
    read,
    code,
    index,
  });
}
