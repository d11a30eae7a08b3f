// Two tiers: the workspace's own SQLite store first, a shared store (Redis,
// Postgres) second. Read-through: a local miss asks the shared store and
// keeps what it finds locally, until it expires there. Write-behind: a write lands locally at once
// and reaches the shared store in the background, in order, flushed before
// close. So a shared store that is down, slow or gone mid-run costs only
// sharing: after its first failure it is left alone for the rest of the run.
// Shared entries are sealed (signing.ts); one that fails its check is refused.
import { sha256 } from '../util/hash.js';
import { messageOf } from '../util/errors.js';
import { describeProblem, seal, unseal } from './signing.js';
import type { CacheStore, Expiring } from './store.js';
import { openStore, redact, storeLabel } from './store.js';

export interface SharedAccess {
  /** Never write to the shared store (untrusted jobs, e.g. pull requests). */
  isReadOnly: boolean;
  /** HMAC key: shared entries are signed, and unsigned or mis-signed ones refused. */
  signingKey?: string;
}

export interface TieredOptions extends SharedAccess {
  local: CacheStore;
  /** Undefined: the local store alone. */
  shared?: CacheStore;
  warn: (message: string) => void;
}

type Entry = { key: string; value: unknown; ttlMs?: number };

const WRITTEN_MARK_MS = 30 * 24 * 3600 * 1000;

export class TieredStore implements CacheStore {
  readonly url: string;
  readonly local: CacheStore;
  readonly #shared: CacheStore | undefined;
  readonly #options: TieredOptions;
  #isSharedDown = false;
  #behind: Promise<void> = Promise.resolve();
  /** What writtenBefore's notes are kept under: this shared URL and signing key (hashed). */
  #writtenScope: string | undefined;

  constructor(options: TieredOptions) {
    this.local = options.local;
    this.#shared = options.shared;
    this.#options = options;
    this.url = options.shared?.url ?? options.local.url;
  }

  /** Whether a shared store is in use (configured, opened, not failed). */
  get hasShared(): boolean {
    return this.#shared !== undefined && !this.#isSharedDown;
  }

  /**
   * The shared store failed (`problem`: why): warn once, and use the local
   * store alone from now on. Its later problems (commands that were under
   * way, failing one after another) are no news.
   */
  sharedFailed(problem?: string): void {
    if (this.#isSharedDown || this.#shared === undefined) return;
    this.#isSharedDown = true;
    const why = problem === undefined ? '' : ` ${problem};`;
    this.#options.warn(
      `shared cache ${redact(this.#shared.url)} failed:${why} using the local cache only for this run`,
    );
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.getMany<T>([key]))[0];
  }

  /**
   * Local values, and those missing here from the shared store, kept locally
   * until they expire there: a memo set with a TTL on one machine would
   * otherwise live for good on every machine that read it.
   */
  async getMany<T>(keys: string[]): Promise<(T | undefined)[]> {
    const values = await this.local.getMany<T>(keys);
    const missing = keys.filter((_, i) => values[i] === undefined);
    if (missing.length === 0 || !this.hasShared) return values;
    const found = await this.#readShared<T>(missing);
    const byKey = new Map(missing.map((key, i) => [key, found[i]?.value]));
    const now = Date.now();
    const kept = missing.flatMap((key, i) => {
      const entry = found[i];
      if (entry === undefined) return [];
      const ttlMs = entry.expiresAt === undefined ? undefined : entry.expiresAt - now;
      return ttlMs !== undefined && ttlMs <= 0 ? [] : [{ key, value: entry.value, ttlMs }];
    });
    if (kept.length > 0) await this.local.setMany(kept);
    return keys.map((key, i) => values[i] ?? byKey.get(key));
  }

  async getManyExpiring<T>(keys: string[]): Promise<(Expiring<T> | undefined)[]> {
    return this.local.getManyExpiring<T>(keys);
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    const local = await this.local.hasMany(keys);
    if (local.every(Boolean) || !this.hasShared) return local;
    const shared = await this.#shared?.hasMany(keys);
    return local.map((has, i) => has || shared?.[i] === true);
  }

  /**
   * Of these shared keys, those this workspace wrote to this shared store
   * itself, sealed with this signing key (markWritten), and the store still
   * has: writing them again would write what is there. One written by
   * another machine, perhaps unsigned or with another key, is not one.
   */
  async writtenBefore(keys: string[]): Promise<boolean[]> {
    const shared = this.#shared;
    if (!shared || this.#isSharedDown || keys.length === 0) return keys.map(() => false);
    const mine = await this.local.hasMany(keys.map((key) => this.#writtenKey(key)));
    const asked = keys.filter((_, i) => mine[i]);
    if (asked.length === 0) return keys.map(() => false);
    const there = new Map((await shared.hasMany(asked)).map((has, i) => [asked[i], has]));
    return keys.map((key) => there.get(key) === true);
  }

  /** Notes in the local store that these shared keys were written (see writtenBefore). */
  async markWritten(keys: string[]): Promise<void> {
    // A mark lasts a month, then the blob is sent once more: marks do not pile up.
    await this.local.setMany(keys.map((key) => ({ key: this.#writtenKey(key), value: 1, ttlMs: WRITTEN_MARK_MS })));
  }

  #writtenKey(key: string): string {
    if (this.#writtenScope === undefined) {
      const { signingKey } = this.#options;
      const scope = `${this.#shared?.url ?? ''}\n${signingKey === undefined ? '' : sha256(signingKey)}`;
      this.#writtenScope = sha256(scope).slice(0, 16);
    }
    return `written:${this.#writtenScope}:${key}`;
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    await this.setMany([{ key, value, ttlMs }]);
  }

  async setMany(entries: Entry[]): Promise<void> {
    await this.local.setMany(entries);
    this.writeBehind((put) => put(entries));
  }

  /** A value from the shared store alone (checked), or undefined. */
  async getShared<T>(key: string): Promise<T | undefined> {
    return (await this.getManyShared<T>([key]))[0];
  }

  async getManyShared<T>(keys: string[]): Promise<(T | undefined)[]> {
    return (await this.#readShared<T>(keys)).map((entry) => entry?.value);
  }

  /** Checked values from the shared store, with when each expires there. */
  async #readShared<T>(keys: string[]): Promise<(Expiring<T> | undefined)[]> {
    const shared = this.#shared;
    if (!shared || this.#isSharedDown) return keys.map(() => undefined);
    const raws = await shared.getManyExpiring<unknown>(keys);
    return raws.map((raw, i) => {
      const value = raw === undefined ? undefined : this.#open<T>(keys[i] ?? '', raw.value);
      return value === undefined ? undefined : { ...raw, value };
    });
  }

  /**
   * Queues a write to the shared store after those before it, without
   * waiting for it; `put` seals and sets entries. Nothing is queued in
   * read-only mode, without a shared store or once it failed.
   */
  writeBehind(write: (put: (entries: Entry[]) => Promise<void>) => Promise<void>): void {
    const shared = this.#shared;
    if (!shared || this.#options.isReadOnly || this.#isSharedDown) return;
    const put = async (entries: Entry[]): Promise<void> => {
      if (this.#isSharedDown || entries.length === 0) return;
      const { signingKey } = this.#options;
      await shared.setMany(entries.map((e) => ({ ...e, value: seal(e.key, e.value, signingKey) })));
    };
    this.#behind = this.#behind.then(() => (this.#isSharedDown ? undefined : write(put))).catch(() => {});
  }

  /** Waits for the queued shared writes. */
  flush(): Promise<void> {
    return this.#behind;
  }

  async delete(key: string): Promise<void> {
    await this.local.delete(key);
  }

  /** Clears the local tier only: `runner cache clear --shared` clears the shared store on its own. */
  async clear(): Promise<void> {
    await this.local.clear();
  }

  entries(): AsyncGenerator<[string, unknown]> {
    return this.local.entries();
  }

  async close(): Promise<void> {
    await this.flush();
    await Promise.all([this.local.close(), this.#shared?.close()]);
  }

  #open<T>(key: string, raw: unknown): T | undefined {
    const opened = unseal(key, raw, this.#options.signingKey);
    if ('value' in opened) return opened.value as T;
    this.#options.warn(`refused shared cache entry ${key}: ${describeProblem(opened.problem)}`);
    return undefined;
  }
}

export interface OpenTieredOptions extends SharedAccess {
  root: string;
  localUrl: string;
  sharedUrl?: string;
  warn: (message: string) => void;
  /** Whether a damaged local SQLite file is moved aside for an empty one (see openStore). */
  isRepairable?: boolean;
}

/**
 * Opens both tiers at once. A shared store that cannot be reached (within
 * the connect timeout) leaves a warning and the local store alone.
 */
export async function openTiered(options: OpenTieredOptions): Promise<TieredStore> {
  const { root, sharedUrl, warn } = options;
  let tiered: TieredStore | undefined;
  // A problem before the tiers are made (while the local store opens) fails the shared store once they are.
  let early: string | undefined;
  const shared = sharedUrl
    ? openStore(
        sharedUrl,
        root,
        (message) => {
          const label = storeLabel(sharedUrl);
          const problem = message.startsWith(label) ? message.slice(label.length) : message;
          if (tiered) tiered.sharedFailed(problem);
          else early ??= problem;
        },
        { isReadOnly: options.isReadOnly },
      ).catch((error: unknown) => {
        warn(`shared cache unavailable, using the local cache only: ${messageOf(error)}`);
        return undefined;
      })
    : undefined;
  let local: CacheStore;
  try {
    local = await openStore(options.localUrl, root, warn, { isRepairable: options.isRepairable });
  } catch (error) {
    await (await shared)?.close();
    throw error;
  }
  const opened = await shared;
  tiered = new TieredStore({ ...options, local, shared: opened });
  if (early !== undefined) tiered.sharedFailed(early);
  return tiered;
}
