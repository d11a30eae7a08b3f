// `runner cache stats|clear|prune`. They act on this workspace's own cache
// (the local store and .runner/objects); with a shared store configured,
// `--shared` reaches it too: a clear here must not empty every machine's cache.
import path from 'node:path';
import { parseDuration } from '../../config/duration.js';
import { cacheStats, clearCache, pruneCache } from '../../cache/maintenance.js';
import { pruneCompiled } from '../../engine/compiled-modules.js';
import { isSharedStore } from '../../cache/shared-blobs.js';
import { defaultStoreUrl, openStore, redact } from '../../cache/store.js';
import type { CacheStore } from '../../cache/store.js';
import { messageOf } from '../../util/errors.js';
import { formatBytes } from '../../report/format.js';
import { readRunRecord } from '../../report/run-record.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError, warnOf } from '../io.js';
import { loadAnalysis, lockForCommand, sharedAccessFor, storeUrlFor } from '../load.js';
import type { GlobalOptions } from '../load.js';

type Action = 'stats' | 'clear' | 'prune';
type CacheFlags = { olderThan?: string; json?: boolean; shared?: boolean };

export async function cacheCommand(io: CliIo, global: GlobalOptions, action: Action, flags: CacheFlags) {
  const analysis = await loadAnalysis(io, global);
  const root = analysis.plan.root;
  const stateDir = path.join(root, '.runner');
  const url = storeUrlFor(analysis, io.env);
  const sharedUrl = isSharedStore(url) ? url : undefined;
  if (flags.shared && sharedUrl === undefined)
    throw new UsageError('--shared: no shared store is configured (RUNNER_CACHE_URL or cache.url in pipelines.yaml)');
  if (flags.shared && action !== 'stats' && sharedAccessFor(analysis, io.env).isReadOnly)
    throw new UsageError(
      `--shared: the shared store is read-only here (cache.shared: read, or RUNNER_CACHE_READONLY): runner cache ${action} would write to it; run it where the store may be written`,
    );
  const localUrl = sharedUrl === undefined ? url : defaultStoreUrl(stateDir);
  // clear and prune change what a run reads: they wait for a running one.
  const release = action === 'stats' ? undefined : await lockForCommand(io, stateDir, `runner cache ${action}`);
  const stores: CacheStore[] = [];
  try {
    try {
      if (action !== 'stats' || !flags.shared) stores.push(await openStore(localUrl, root, warnOf(io)));
      if (flags.shared && sharedUrl !== undefined) stores.push(await openStore(sharedUrl, root, warnOf(io)));
    } catch (error) {
      io.stderr(`runner: cache store: ${messageOf(error)}\n`);
      return EXIT.failed;
    }
    return await runAction(io, { action, flags, stores, stateDir });
  } finally {
    for (const store of stores) await store.close();
    release?.();
  }
}

async function runAction(
  io: CliIo,
  options: { action: Action; flags: CacheFlags; stores: CacheStore[]; stateDir: string },
): Promise<number> {
  const { action, flags, stores, stateDir } = options;
  const [first] = stores;
  if (!first) return EXIT.failed;
  if (action === 'stats') return printStats(io, first, stateDir, flags.json === true);
  if (action === 'clear') {
    for (const store of stores) await clearCache(store, stateDir);
    const urls = stores.map((store) => redact(store.url)).join(' and ');
    io.stdout(`cleared ${urls} and ${path.relative(io.cwd, path.join(stateDir, 'objects')) || 'objects'}\n`);
    return EXIT.ok;
  }
  const olderThan = flags.olderThan ?? '7d';
  const ms = parseDuration(olderThan);
  if (ms === undefined) throw new UsageError(`--older-than ${olderThan}: expected a duration such as 12h or 7d`);
  const result = await pruneCache(stores, stateDir, Date.now() - ms, warnOf(io));
  const freed = formatBytes(result.bytesFreed);
  const modules = pruneCompiled(path.join(stateDir, 'modules'));
  io.stdout(
    `pruned ${result.entriesRemoved} entries and ${result.objectsRemoved} objects (${freed}) older than ${olderThan}` +
      `${modules > 0 ? `, and ${modules} compiled modules whose source is gone` : ''}\n`,
  );
  return EXIT.ok;
}

async function printStats(io: CliIo, store: CacheStore, stateDir: string, isJson: boolean): Promise<number> {
  const stats = await cacheStats(store, stateDir);
  const last = readRunRecord(path.join(stateDir, 'runs'), { onBadFile: warnOf(io) });
  const hits = last?.stages.reduce((n, s) => n + s.cache.hits, 0) ?? 0;
  const misses = last?.stages.reduce((n, s) => n + s.cache.misses, 0) ?? 0;
  const hitRate = hits + misses > 0 ? hits / (hits + misses) : null;
  if (isJson) {
    const lastRun = last ? { runId: last.runId, hits, misses, hitRate } : null;
    io.stdout(`${JSON.stringify({ ...stats, storeUrl: redact(stats.storeUrl), lastRun })}\n`);
    return EXIT.ok;
  }
  const e = stats.entries;
  const total = e.stage + e.manifest + e.items + e.memo + e.blob + e.other;
  const kinds = `${e.stage} stage, ${e.manifest} manifest, ${e.items} item manifest, ${e.memo} memo, ${e.blob} blob`;
  const objectsDir = path.relative(io.cwd, path.join(stateDir, 'objects')) || '.';
  const rate = hitRate === null ? '' : ` (hit rate ${(hitRate * 100).toFixed(1)}%)`;
  io.stdout(
    [
      `store:    ${redact(stats.storeUrl)}`,
      `entries:  ${total} (${kinds}), ${formatBytes(stats.entryBytes)}`,
      `objects:  ${stats.objects.count}, ${formatBytes(stats.objects.bytes)} in ${objectsDir}`,
      last ? `last run: ${last.runId}: ${hits} hits, ${misses} misses${rate}` : 'last run: none',
    ]
      .map((line) => `${line}\n`)
      .join(''),
  );
  return EXIT.ok;
}
