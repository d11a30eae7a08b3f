// An in-memory LRU cache bounded in bytes, with lazy TTL expiry, versioned
// entries and optional gzip. It owns no timers, so it never keeps a process alive.
import { promisify } from 'node:util';
import { zlib } from '../util/builtins.js';
import { booleanOption, functionOption, numberOption, optionBag, stringOption } from './options.js';

const gzipAsync = (data: Buffer): Promise<Buffer> => promisify(zlib().gzip)(data);
const gunzipAsync = (data: Buffer): Promise<Buffer> => promisify(zlib().gunzip)(data);

export interface SmartCacheOptions {
  /** Default time to live in ms; 0 means entries never expire. */
  ttl?: number;
  /** Bound on stored bytes, in MB (fractions allowed). */
  maxSize?: number;
  version?: string;
  compressionEnabled?: boolean;
  metricsEnabled?: boolean;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

export interface CacheSetOptions {
  ttl?: number;
  version?: string;
}

export interface CacheGetOptions {
  version?: string;
}

export interface CacheMetrics {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  evictions: number;
  /** hits / (hits + misses); null when metrics are disabled. */
  hitRate: number | null;
  /** Bytes stored now (keys plus serialized, possibly compressed, values). */
  currentSize: number;
  maxSize: number;
}

type Kind = 'string' | 'bytes' | 'json';

interface Entry {
  bytes: Buffer;
  kind: Kind;
  compressed: boolean;
  size: number;
  expiresAt: number;
  version: string;
}

interface Counters {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  evictions: number;
}

const OWNER = 'SmartCache';

export class SmartCache {
  readonly #ttl: number;
  readonly #maxBytes: number;
  readonly #version: string;
  readonly #compression: boolean;
  readonly #now: () => number;
  // undefined when metrics are off, so counting is a single skipped branch.
  readonly #counters: Counters | undefined;
  // A Map iterates in insertion order; re-inserting on every hit keeps the
  // least recently used key first, so eviction is O(1) without any sorting.
  readonly #entries = new Map<string, Entry>();
  // The latest write per key: an async (compressing) set that was overtaken by
  // a later set, delete or clear must not land.
  readonly #pendingWrites = new Map<string, symbol>();
  #currentSize = 0;

  constructor(options?: SmartCacheOptions) {
    const bag = optionBag(OWNER, options);
    this.#ttl = numberOption(OWNER, bag, 'ttl', 0, 0);
    this.#maxBytes = Math.floor(numberOption(OWNER, bag, 'maxSize', 64, 0) * 1024 * 1024);
    this.#version = stringOption(OWNER, bag, 'version', '1');
    this.#compression = booleanOption(OWNER, bag, 'compressionEnabled', false);
    const metrics = booleanOption(OWNER, bag, 'metricsEnabled', true);
    this.#counters = metrics ? { hits: 0, misses: 0, sets: 0, deletes: 0, evictions: 0 } : undefined;
    this.#now = functionOption<() => number>(OWNER, bag, 'now') ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get<V = unknown>(key: string, options?: CacheGetOptions): Promise<V | undefined> {
    const entry = this.#live(checkKey(key), versionArg(options?.version) ?? this.#version);
    if (entry === undefined) {
      if (this.#counters) this.#counters.misses += 1;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#counters) this.#counters.hits += 1;
    const bytes = entry.compressed ? await gunzipAsync(entry.bytes) : entry.bytes;
    return decode(bytes, entry.kind, entry.compressed) as V;
  }

  /** Resolves false when the entry was not stored: larger than maxSize, or overtaken by a later write. */
  async set(key: string, data: unknown, options?: CacheSetOptions): Promise<boolean> {
    checkKey(key);
    const ttl = options?.ttl === undefined ? this.#ttl : ttlArg(options.ttl);
    const version = versionArg(options?.version) ?? this.#version;
    const { bytes: raw, kind } = encode(key, data);
    const token = Symbol(key);
    this.#pendingWrites.set(key, token);
    let bytes = raw;
    let compressed = false;
    if (this.#compression) {
      const packed = await gzipAsync(raw);
      // Tiny or incompressible values grow under gzip; keep the smaller form.
      if (packed.length < raw.length) {
        bytes = packed;
        compressed = true;
      }
    }
    if (this.#pendingWrites.get(key) !== token) return false;
    this.#pendingWrites.delete(key);
    if (this.#counters) this.#counters.sets += 1;
    this.#remove(key);
    const size = bytes.length + Buffer.byteLength(key);
    if (size > this.#maxBytes) return false;
    for (const [oldest] of this.#entries) {
      if (this.#currentSize + size <= this.#maxBytes) break;
      this.#remove(oldest);
      if (this.#counters) this.#counters.evictions += 1;
    }
    const expiresAt = ttl > 0 ? this.#now() + ttl : Number.POSITIVE_INFINITY;
    this.#entries.set(key, { bytes, kind, compressed, size, expiresAt, version });
    this.#currentSize += size;
    return true;
  }

  /** True when a live entry with the (given or current) version exists; does not refresh recency. */
  async has(key: string, options?: CacheGetOptions): Promise<boolean> {
    return this.#live(checkKey(key), versionArg(options?.version) ?? this.#version) !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    this.#pendingWrites.delete(checkKey(key));
    const removed = this.#remove(key);
    if (removed && this.#counters) this.#counters.deletes += 1;
    return removed;
  }

  async clear(): Promise<void> {
    this.#entries.clear();
    this.#pendingWrites.clear();
    this.#currentSize = 0;
  }

  getMetrics(): CacheMetrics {
    const sizes = { currentSize: this.#currentSize, maxSize: this.#maxBytes };
    const counters = this.#counters;
    if (counters === undefined) {
      return { hits: 0, misses: 0, sets: 0, deletes: 0, evictions: 0, hitRate: null, ...sizes };
    }
    const lookups = counters.hits + counters.misses;
    return { ...counters, hitRate: lookups === 0 ? 0 : counters.hits / lookups, ...sizes };
  }

  /** The entry if it is neither expired nor of another version; a stale one is removed (lazy expiry). */
  #live(key: string, version: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now() && entry.version === version) return entry;
    this.#remove(key);
    return undefined;
  }

  #remove(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#currentSize -= entry.size;
    return true;
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string') throw new TypeError(`${OWNER}: key must be a string, got ${typeof key}`);
  return key;
}

/** A ttl argument, checked. */
export function ttlArg(ttl: unknown): number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    throw new TypeError(`${OWNER}: ttl must be a finite number >= 0, got ${String(ttl)}`);
  }
  return ttl;
}

function versionArg(version: unknown): string | undefined {
  if (version === undefined) return undefined;
  if (typeof version !== 'string' || version === '') {
    throw new TypeError(`${OWNER}: version must be a non-empty string, got ${String(version)}`);
  }
  return version;
}

// Values are stored serialized: the size bound counts real bytes, and a caller
// mutating an object after set() (or after get()) cannot change the cache.
function encode(key: string, data: unknown): { bytes: Buffer; kind: Kind } {
  if (typeof data === 'string') return { bytes: Buffer.from(data, 'utf8'), kind: 'string' };
  if (data instanceof Uint8Array) return { bytes: Buffer.from(data), kind: 'bytes' };
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (cause) {
    throw new TypeError(`${OWNER}: value for key ${JSON.stringify(key)} is not JSON-serialisable`, { cause });
  }
  if (json === undefined) {
    throw new TypeError(`${OWNER}: value for key ${JSON.stringify(key)} is not JSON-serialisable (${typeof data})`);
  }
  return { bytes: Buffer.from(json, 'utf8'), kind: 'json' };
}

function decode(bytes: Buffer, kind: Kind, fresh: boolean): unknown {
  switch (kind) {
    case 'string':
      return bytes.toString('utf8');
    case 'bytes':
      return fresh ? bytes : Buffer.from(bytes);
    case 'json':
      return JSON.parse(bytes.toString('utf8'));
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown entry kind ${String(unreachable)}`);
    }
  }
}

/** The subset of Keyv that SmartCacheLayer needs. */
