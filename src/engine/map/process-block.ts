// One block of a map stage's items: reused whole when it hashes as a block
// of the last run did; else each item keyed and looked up in the item store,
// the missing ones computed, and those journaled.
import { KEY_BYTES, keyOf, writeKey } from '../../cache/item-keys.js';
import type { JsonRecord } from '../../api.js';
import type { JournalItem } from '../../cache/item-journal.js';
import { recordJson } from '../record-json.js';
import type { Compute } from './compute.js';
import { asKept, describeItem, isCacheable, keepsRawResults, outputRecords } from './definition.js';
import type { NormalisedMap } from './definition.js';
import type { ItemBlock } from './item-source.js';
import type { ItemStore } from './item-store.js';
import type { ItemResult } from './pool.js';
import { BlockOutcome, FRESH } from './block-outcome.js';
import { messageOf } from '../../util/errors.js';

const NO_LINES = new Uint8Array(0);

export class BlockProcessor {
  readonly #map: NormalisedMap;
  readonly #store: ItemStore | undefined;
  readonly #compute: Compute;
  /** Stages whose emit() needs the current item keep each result's raw form, to emit it again. */
  readonly #keepsRaw: boolean;
  /** In-place stages: the hash of a file as it is now, to key an item by its file as the stage left it. */
  readonly #hashOf: ((file: string) => string | undefined) | undefined;

  constructor(options: {
    map: NormalisedMap;
    store: ItemStore | undefined;
    compute: Compute;
    hashOf?: (file: string) => string | undefined;
  }) {
    this.#map = options.map;
    this.#store = options.store;
    this.#compute = options.compute;
    this.#keepsRaw = keepsRawResults(options.map);
    this.#hashOf = options.hashOf;
  }

  /** Reuses, looks up, or computes the items of one block. */
  async process(block: ItemBlock, signal: AbortSignal): Promise<BlockOutcome> {
    const store = this.#store;
    if (!store) {
      const outcome = new BlockOutcome(block);
      await this.#computeInto(outcome, block, [...Array(block.count).keys()], signal);
      outcome.seal();
      return outcome;
    }
    const blockKey = keyOf(block.blockIdentity());
    const reused = store.findBlock(blockKey);
    if (reused && reused.count === block.count) {
      const outcome = new BlockOutcome(block, true);
      outcome.blockKey = blockKey;
      outcome.reused = reused;
      return outcome;
    }
    const outcome = new BlockOutcome(block);
    outcome.blockKey = blockKey;
    const keys = Buffer.allocUnsafe(block.count * KEY_BYTES);
    outcome.keys = keys;
    for (let i = 0; i < block.count; i++) {
      if (!this.#map.key) {
        writeKey(block.itemIdentity(i), keys, i * KEY_BYTES);
        continue;
      }
      const text = this.#keyText(block.item(i));
      if (typeof text === 'string') writeKey(text, keys, i * KEY_BYTES);
      else outcome.failed(i, this.#describe(block, i), text.problem);
    }
    const missing: number[] = [];
    for (let i = 0; i < block.count; i++) {
      if (outcome.isFailed(i)) continue;
      const ref = store.find(keys, i * KEY_BYTES, block.firstIndex + i);
      if (ref === FRESH) missing.push(i);
      else if (this.#keepsRaw) this.#produce(outcome, block, i, store.rawOf(ref), { isCached: true });
      else outcome.found(i, ref);
    }
    await this.#computeInto(outcome, block, missing, signal);
    if (this.#hashOf) this.#keyAsLeft(outcome, block, missing, this.#hashOf);
    outcome.seal();
    const journal: JournalItem[] = [];
    for (const i of missing) {
      if (!outcome.hasLines(i) || !outcome.isRecorded(i)) continue;
      // Kept raw, an item found in the journal makes its lines again from its raw result: its lines are not journaled.
      if (this.#keepsRaw)
        journal.push({ keys, keyOffset: i * KEY_BYTES, out: NO_LINES, count: 0, raw: outcome.raws?.[i] });
      else journal.push({ keys, keyOffset: i * KEY_BYTES, out: outcome.linesOf(i), count: outcome.records[i] ?? 0 });
    }
    store.journal(journal);
    return outcome;
  }

  /**
   * An in-place stage's computed items whose files it edited are keyed by the
   * files as it left them (a revert to the old text finds no entry and is
   * edited again); their block, no longer what it hashed as, is not recorded.
   */
  #keyAsLeft(
    outcome: BlockOutcome,
    block: ItemBlock,
    which: readonly number[],
    hashOf: (file: string) => string | undefined,
  ): void {
    const keys = outcome.keys;
    if (!keys || !block.itemAsLeft) return;
    for (const i of which) {
      const asLeft = block.itemAsLeft(i, hashOf);
      if (!asLeft || outcome.isFailed(i)) continue;
      // A key() that fails on the file as left keeps the item's key by its input: the next run meets the problem.
      const text = this.#map.key ? this.#keyText(asLeft.item) : asLeft.identity;
      if (typeof text === 'string') writeKey(text, keys, i * KEY_BYTES);
      outcome.blockKey = undefined;
    }
  }

  /**
   * What an item is keyed by under the stage's key(): its answer, which
   * must be a string or a finite number. A string that is not well-formed
   * UTF-16 (a lone surrogate, which UTF-8 writes as U+FFFD) is keyed by its
   * JSON, which tells each apart. Anything else (undefined from a misspelt
   * field, an object) would key every such item alike and hand one item's
   * result to the others: the problem then, for the item to fail with, as
   * when key() throws.
   */
  #keyText(item: unknown): string | { problem: string } {
    let answer: unknown;
    try {
      answer = this.#map.key?.(item as JsonRecord);
    } catch (error) {
      return { problem: `key: ${messageOf(error)}` };
    }
    if (typeof answer === 'number' && Number.isFinite(answer)) return `key\0${answer}`;
    if (typeof answer !== 'string') {
      const what = answer === null ? 'null' : Array.isArray(answer) ? 'an array' : typeof answer;
      return { problem: `key() returned ${what}, not a string or a number` };
    }
    return isWellFormed(answer) ? `key\0${answer}` : `key\u0001${JSON.stringify(answer)}`;
  }

  /** Computes items `which` of the block into `outcome`. */
  async #computeInto(outcome: BlockOutcome, block: ItemBlock, which: number[], signal: AbortSignal): Promise<void> {
    const results = await this.#compute(
      which.map((i) => ({ block, i })),
      signal,
    );
    const isCaching = this.#store !== undefined;
    which.forEach((i, n) => {
      const result: ItemResult = results[n] ?? { ok: false, error: { message: 'no result' } };
      if (!result.ok) outcome.failed(i, this.#describe(block, i), result.error.message);
      else if ('out' in result) {
        const isCacheable = result.isCacheable !== false;
        const isRecorded = isCaching && isCacheable;
        outcome.produced(i, result.out, result.records, {
          raw: this.#keepsRaw && isRecorded ? result.raw : undefined,
          isRecorded,
          isCached: false,
          isKeptOut: !isCacheable,
        });
      } else {
        const kept = this.#keepsRaw ? this.#asKept(outcome, block, i, result.value) : { value: result.value };
        if (kept === undefined) return;
        const cacheable = this.#cacheable(kept.value);
        if (typeof cacheable === 'string') outcome.failed(i, this.#describe(block, i), cacheable);
        else
          this.#produce(outcome, block, i, kept.value, {
            isCached: false,
            isRecorded: isCaching && cacheable,
            isKeptOut: !cacheable,
            raw: kept.raw,
          });
      }
    });
  }

  /** The result as the stage keeps it (asKept), or undefined when JSON cannot write it and the item failed. */
  #asKept(
    outcome: BlockOutcome,
    block: ItemBlock,
    i: number,
    value: unknown,
  ): { raw?: string; value: unknown } | undefined {
    try {
      return asKept(value);
    } catch (error) {
      outcome.failed(i, this.#describe(block, i), `its result is not JSON: ${messageOf(error)}`);
      return undefined;
    }
  }

  /** Whether the stage's cacheable() lets `value` into the cache (isCacheable), or what it threw. */
  #cacheable(value: unknown): boolean | string {
    try {
      return isCacheable(this.#map, value);
    } catch (error) {
      return `cacheable: ${messageOf(error)}`;
    }
  }

  /**
   * Item `i`'s output lines for result `value` (a cached raw result is JSON
   * text): emit() applied, every record checked and serialized.
   */
  #produce(
    outcome: BlockOutcome,
    block: ItemBlock,
    i: number,
    value: unknown,
    options: { isCached: boolean; isRecorded?: boolean; isKeptOut?: boolean; raw?: string },
  ): void {
    const emit = this.#map.emit;
    try {
      const result: unknown = options.isCached ? (typeof value === 'string' ? JSON.parse(value) : null) : value;
      const output = emit ? emit(block.item(i), result) : result;
      const checked = outputRecords(output);
      // Said as a worker thread says it (worker-entry.ts): the line names the stage and the item already.
      if ('problem' in checked) {
        outcome.failed(i, this.#describe(block, i), checked.problem);
        return;
      }
      let out = '';
      try {
        for (const record of checked.records) out += `${recordJson(record)}\n`;
      } catch (error) {
        outcome.failed(i, this.#describe(block, i), `produced a record that is not JSON: ${messageOf(error)}`);
        return;
      }
      const isRecorded = options.isRecorded ?? true;
      const raw =
        this.#keepsRaw && isRecorded
          ? options.isCached
            ? (value as string)
            : (options.raw ?? JSON.stringify(result) ?? 'null')
          : undefined;
      outcome.produced(i, out, checked.records.length, {
        raw,
        isRecorded,
        isCached: options.isCached,
        isKeptOut: options.isKeptOut,
      });
    } catch (error) {
      if (error instanceof SyntaxError && /: (invalid JSON|is not a record)/.test(error.message)) throw error; // a malformed input record fails the stage
      outcome.failed(i, this.#describe(block, i), emit ? `emit: ${messageOf(error)}` : messageOf(error));
    }
  }

  #describe(block: ItemBlock, i: number): string {
    let item: unknown;
    try {
      item = block.item(i);
    } catch {
      item = undefined;
    }
    return describeItem(item, block.firstIndex + i);
  }
}

/** Whether `text` holds no lone surrogate (String.prototype.isWellFormed, which Node 20 has; ES2024's lib is not in use). */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
