// Per-item cache of map stages with `cache: { scope: item }`. An item's key
// is the stage's item-scope fingerprint (the stage key without the items'
// own contents) plus the item's key (the whole item by default, or what the
// stage's `key(item)` names), so editing one item changes one key.
import type { JsonRecord } from '../../api.js';
import { RawJson } from '../../cache/store.js';
import type { CacheStore } from '../../cache/store.js';
import { canonicalJson, sha256 } from '../../util/hash.js';

export interface CachedItem {
  /** The raw result of the item's computation. */
  r: unknown;
  /** When it was computed (ms since epoch), for `cache prune`. */
  at: number;
}

export class ItemCache {
  readonly #store: CacheStore | undefined;
  readonly #scope: string;
  readonly #key: ((item: JsonRecord) => string) | undefined;
  readonly #ttlMs: number | undefined;

  constructor(options: { store: CacheStore | undefined; scope: string; key?: (item: JsonRecord) => string; ttlMs?: number }) {
    this.#store = options.store;
    this.#scope = options.scope;
    this.#key = options.key;
    this.#ttlMs = options.ttlMs;
  }

  /** `text`: the item's JSON as stored upstream, when known (same record, same text); for an item sent to a worker unparsed, the only form of it. */
  keyOf(item: JsonRecord | undefined, text?: string): string {
    const own = this.#key && item ? this.#key(item) : (text ?? canonicalJson(item ?? {}));
    return `item:${sha256(`${this.#scope}\0${own}`)}`;
  }

  /** One store round trip for a whole batch. */
  async lookup(keys: string[]): Promise<(CachedItem | undefined)[]> {
    if (!this.#store) return keys.map(() => undefined);
    const found = await this.#store.getMany<CachedItem>(keys);
    return found.map((value) => (value && typeof value === 'object' && 'r' in value ? value : undefined));
  }

  /** `json`: the result already serialized (by a worker), stored without parsing it again. */
  async save(entries: ({ key: string; result: unknown } | { key: string; json: string })[]): Promise<void> {
    if (!this.#store || entries.length === 0) return;
    const at = Date.now();
    await this.#store.setMany(
      entries.map((e) => ({
        key: e.key,
        // An item that produced nothing is cached as null (JSON has no undefined).
        value: 'json' in e ? new RawJson(`{"r":${e.json},"at":${at}}`) : ({ r: e.result ?? null, at } satisfies CachedItem),
        ttlMs: this.#ttlMs,
      })),
    );
  }
}
