// What every stage of a run shares: the workspace, the caches, the event
// sink. Opened once per run; the shared store only when first needed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChunkList, datasetChunks } from '../cache/dataset-chunks.js';
import { ObjectStore } from '../cache/object-store.js';
import type { ObjectProblem } from '../cache/object-problem.js';
import { STAT_BESIDE_MIN, SpareStatWorker } from '../cache/stat-beside.js';
import { StatCache } from '../cache/stat-cache.js';
import { fileEntriesOf } from '../cache/stat-cache-image.js';
import type { HashHelp } from '../cache/stat-cache.js';
import { WorkspaceState } from '../cache/state.js';
import { fetchBlob, isSharedStore, shareBlobs } from '../cache/shared-blobs.js';
import { defaultStoreUrl, redact, sqliteFile } from '../cache/store.js';
import { openTiered } from '../cache/tiered-store.js';
import type { SharedAccess, TieredStore } from '../cache/tiered-store.js';
import { SmartCache } from '../perf/smart-cache.js';
import { SmartCacheLayer } from '../perf/smart-cache-layer.js';
import type { Emit } from './events.js';
import { codeFingerprint } from '../cache/code-hash.js';
import { WorkerPool } from './map/pool.js';
import type { BatchPool } from './map/pool.js';
import { RemotePool } from './map/remote-pool.js';
import type { WorkersAddress } from './map/remote-protocol.js';
import { messageOf } from '../util/errors.js';

export interface ResourceOptions {
  root: string;
  storeUrl: string;
  emit: Emit;
  /** Read the workspace state but never write it (status, dry runs). */
  isStateReadOnly?: boolean;
  now?: () => number;
  /** What the run's host lends its hashing (a stat cache kept between runs, files hashed ahead: the daemon). */
  hashHelp?: HashHelp;
  /** Whether a damaged store may be repaired (default true); not in a run that may yet be handed back, whose warning would be dropped. */
  isStoreRepairable?: boolean;
  /** How a shared store (a storeUrl other than sqlite://) may be used; default: read and write, unsigned. */
  shared?: SharedAccess;
  /** Remote workers' queue (--workers): the pools then send their batches there. */
  workers?: { address: WorkersAddress; runId: string };
  /**
   * Whether the run may stat a long list of files (one of its stages declares inputs or maps over
   * files); false spares it the stat pass's worker. Default true.
   */
  mayStatMany?: boolean;
}

export class Resources {
  readonly root: string;
  readonly stateDir: string;
  readonly objects: ObjectStore;
  readonly emit: Emit;
  readonly now: () => number;
  readonly #localUrl: string;
  readonly #sharedUrl: string | undefined;
  readonly #shared: SharedAccess;
  readonly #isStoreNew: boolean;
  readonly #isStoreRepairable: boolean;
  readonly #hashHelp: HashHelp | undefined;
  readonly #isStateReadOnly: boolean;
  readonly #workers: ResourceOptions['workers'];
  #stats: StatCache | undefined;
  #statSpare: SpareStatWorker | undefined;
  /** Whether this run may start a stat pass worker ahead of its pass (not in the daemon, nor without files to stat). */
  readonly #maySpare: boolean;
  #state: WorkspaceState | undefined;
  #store: Promise<TieredStore | undefined> | undefined;
  readonly #pools = new Map<'worker' | 'process', BatchPool>();
  /** Blobs the shared store has under their hash, with other content. */
  readonly #corruptShared = new Set<string>();
  #memo: Promise<SmartCacheLayer | undefined> | undefined;

  constructor(options: ResourceOptions) {
    this.root = options.root;
    this.stateDir = path.join(options.root, '.runner');
    this.now = options.now ?? Date.now;
    this.#hashHelp = options.hashHelp;
    this.#isStateReadOnly = options.isStateReadOnly === true;
    this.#workers = options.workers;
    this.objects = new ObjectStore(path.join(this.stateDir, 'objects'), {
      checksFile: path.join(this.stateDir, 'blob-checks.json'),
    });
    this.emit = options.emit;
    // A shared store is the second tier behind the workspace's own SQLite store.
    const isShared = isSharedStore(options.storeUrl);
    this.#localUrl = isShared ? defaultStoreUrl(this.stateDir) : options.storeUrl;
    this.#sharedUrl = isShared ? options.storeUrl : undefined;
    this.#shared = options.shared ?? { isReadOnly: false };
    const file = sqliteFile(this.#localUrl, options.root);
    this.#isStoreNew = !isShared && file !== undefined && !fs.existsSync(file);
    this.#isStoreRepairable = options.isStoreRepairable !== false;
    // A stat cache of many files: this run will most likely stat them in a long pass, whose worker starts
    // now (not in the daemon, whose runs start theirs with the pass), unless none of its stages has files to stat.
    // Else it starts once a walk has found that many files (StatCache.expectLongPass).
    this.#maySpare = options.mayStatMany !== false && this.#hashHelp?.kept === undefined;
    const isLongPass = this.#maySpare && fileEntriesOf(this.#statFile) >= STAT_BESIDE_MIN;
    this.#statSpare = isLongPass ? SpareStatWorker.start() : undefined;
  }

  get #statFile(): string {
    return path.join(this.stateDir, 'stat-cache.bin');
  }

  // The stat cache and the workspace state load on first use, once the run
  // has started: a warning about a bad file then belongs to the run (its
  // record starts with run:start).

  /** Files this run's long lists did not stat: the daemon vouched for them (StatCache counts). */
  get filesVouched(): number {
    return this.#stats?.counts.filesVouched ?? 0;
  }

  /** Memoised hashes and listings (.runner/stat-cache.bin). */
  get stats(): StatCache {
    this.#stats ??= StatCache.forRun({
      root: this.root,
      file: this.#statFile,
      spare: this.#statSpare,
      startSpare: this.#maySpare
        ? () => {
            this.#statSpare ??= SpareStatWorker.start();
            return this.#statSpare;
          }
        : undefined,
      now: this.now,
      help: this.#hashHelp,
      onBadFile: (message) => this.emit({ event: 'warning', message }),
    });
    return this.#stats;
  }

  /** Each stage's last record here (.runner/state.json). */
  get state(): WorkspaceState {
    this.#state ??= new WorkspaceState(path.join(this.stateDir, 'state.json'), {
      isReadOnly: this.#isStateReadOnly,
      onBadFile: (message) => this.emit({ event: 'warning', message }),
    });
    return this.#state;
  }

  get hasOpenedStore(): boolean {
    return this.#store !== undefined;
  }

  /**
   * The cache store: local, with a shared store behind it when configured.
   * Undefined (after one warning) when it cannot be opened: every lookup is then a miss.
   */
  store(): Promise<TieredStore | undefined> {
    this.#store ??= openTiered({
      ...this.#shared,
      root: this.root,
      localUrl: this.#localUrl,
      sharedUrl: this.#sharedUrl,
      isRepairable: this.#isStoreRepairable,
      warn: (message) => this.emit({ event: 'warning', message }),
    }).catch((error: unknown) => {
      this.emit({
        event: 'warning',
        message: `cache store unavailable, running without it: ${messageOf(error)}`,
      });
      return undefined;
    });
    return this.#store;
  }

  /**
   * A stage record (or manifest) from the store. A SQLite store (alone) that
   * did not exist when the run began holds nothing this run can use (the
   * workspace lock keeps other runs here out; an entry that another
   * workspace sharing the file adds meanwhile is only missed): there a lookup
   * is a miss at once, without waiting for the database to open, so a cold
   * run's first stage starts that much sooner.
   */
  async lookup<T>(key: string): Promise<T | undefined> {
    if (this.#isStoreNew) {
      void this.store();
      return undefined;
    }
    return (await this.store())?.get<T>(key);
  }

  /**
   * ctx.memo's store: an in-memory LRU (SmartCache, 32 MB) in front of the
   * shared store, so a stage that asks for the same key per item pays one
   * store round trip, not thousands.
   */
  memo(): Promise<SmartCacheLayer | undefined> {
    this.#memo ??= this.store().then((store) => store && new SmartCacheLayer(store, new SmartCache({ maxSize: 32 })));
    return this.#memo;
  }

  /** Whether a shared store is configured (a stage's record may be found there). */
  get hasSharedStore(): boolean {
    return this.#sharedUrl !== undefined;
  }

  /** A blob is here, or could be brought from a shared store. */
  async hasBlob(hash: string): Promise<boolean> {
    if (this.objects.has(hash)) return true;
    if (this.#sharedUrl === undefined) return false;
    const store = await this.store();
    if (store?.hasShared !== true) return false;
    const fetched = await fetchBlob(store, this.objects, hash);
    if (fetched === 'corrupt') this.#corruptShared.add(hash);
    return fetched === 'fetched';
  }

  /** What is wrong with a blob hasBlob found neither here nor sound in the shared store, in words. */
  missingBlob(hash: string): string {
    return this.#corruptShared.has(hash) && this.#sharedUrl !== undefined
      ? `is corrupt in the shared cache ${redact(this.#sharedUrl)} (its content does not match its hash)`
      : 'is not in the object store';
  }

  /**
   * The chunks of a stage's records when every one is here (or could be
   * brought) and sound, else what is wrong. Read only when a blob changed
   * since this workspace wrote or verified it; a corrupt one is removed.
   */
  async soundRecords(hash: string): Promise<ChunkList | ObjectProblem> {
    if (!(await this.hasBlob(hash))) return { kind: 'missing' };
    const problem = await this.objects.problemOf(hash);
    if (problem) return problem;
    const chunks = datasetChunks(this.objects, hash);
    if (!(chunks instanceof ChunkList)) return chunks;
    for (const chunk of chunks.chunks) {
      if (chunk.cut === 'unknown' || this.objects.isKnownSound(chunk.hash)) continue;
      let inChunk = await this.objects.problemOf(chunk.hash);
      // Not here: perhaps in the shared store.
      if (inChunk?.kind === 'missing' && (await this.hasBlob(chunk.hash)))
        inChunk = await this.objects.problemOf(chunk.hash);
      if (inChunk) return inChunk;
    }
    return chunks;
  }

  /** The blobs of a stage's records: the index of its chunks and every chunk. */
  datasetBlobs(hash: string): string[] {
    const chunks = datasetChunks(this.objects, hash);
    if (!(chunks instanceof ChunkList)) return [hash];
    return [...chunks.chunks.flatMap((chunk) => (chunk.cut === 'unknown' ? [] : [chunk.hash])), hash];
  }

  /** With a shared store, publishes a stage's blobs so other machines can restore them (write-behind). */
  async shareBlobs(hashes: Iterable<string>, ttlMs?: number): Promise<void> {
    if (this.#sharedUrl === undefined) return;
    const store = await this.store();
    if (store) shareBlobs(store, this.objects, hashes, ttlMs);
  }

  hasPool(kind: 'worker' | 'process'): boolean {
    return this.#pools.has(kind);
  }

  /** The run's pool of worker threads or processes, sized to the cores; or of remote workers (--workers). */
  pool(kind: 'worker' | 'process'): BatchPool {
    let pool = this.#pools.get(kind);
    if (!pool) {
      pool = this.#workers
        ? new RemotePool({
            ...this.#workers,
            isolate: kind,
            emit: this.emit,
            codeOf: (module) => codeFingerprint(this.stats, module),
          })
        : new WorkerPool({ size: cpuSlots(), kind });
      this.#pools.set(kind, pool);
    }
    return pool;
  }

  /** Saves what changed, stops the pools and closes the store (after its queued shared writes). */
  async close(): Promise<void> {
    void this.#statSpare?.end();
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    // Each is what this run learnt, kept for the next: one that cannot be written (a full disk, a path
    // taken by a directory) costs the next run work, never a wrong answer, and this run's result stands.
    this.#save('the stat cache', 'the next run hashes its inputs again', () => this.#stats?.save());
    this.#save('the workspace state', "the next run looks this run's stages up by their keys", () =>
      this.#state?.save(),
    );
    if (!this.#isStateReadOnly)
      this.#save('the blob checks', 'the next run reads the cached blobs it uses to check them', () =>
        this.objects.saveChecks(),
      );
    if (this.#store) await (await this.#store)?.close();
  }

  #save(what: string, cost: string, save: () => void): void {
    try {
      save();
    } catch (error) {
      this.emit({ event: 'warning', message: `could not save ${what} (${messageOf(error)}); ${cost}` });
    }
  }
}

/** Items of CPU-bound work that can run at once without oversubscribing the cores. */
export function cpuSlots(): number {
  return Math.max(1, os.availableParallelism());
}
