import path from 'node:path';
import { parseDuration } from '../../config/duration.js';
import { cacheStats, clearCache, pruneCache } from '../../cache/maintenance.js';
import { openStore, redact } from '../../cache/store.js';
import type { CacheStore } from '../../cache/store.js';
import { messageOf } from '../../util/errors.js';
import { formatBytes } from '../../report/format.js';
import { readRunRecord } from '../../report/run-record.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError } from '../io.js';
import { loadAnalysis, lockForCommand, storeUrlFor } from '../load.js';
import type { GlobalOptions } from '../load.js';

export async function cacheCommand(
  io: CliIo,
  global: GlobalOptions,
  action: 'stats' | 'clear' | 'prune',
  flags: { olderThan?: string; json?: boolean },
): Promise<number> {
  const analysis = await loadAnalysis(io, global);
  const stateDir = path.join(analysis.plan.root, '.runner');
  const url = storeUrlFor(analysis, io.env);
  // clear and prune change what a run reads: they wait for a running one.
  const release = action === 'stats' ? undefined : await lockForCommand(io, stateDir, `runner cache ${action}`);
  let store: CacheStore;
  try {
    store = await openStore(url, analysis.plan.root, (message) => io.stderr(`warning: ${message}\n`));
  } catch (error) {
    release?.();
    io.stderr(`runner: cache store ${redact(url)}: ${messageOf(error)}\n`);
    return EXIT.failed;
  }
  try {
    if (action === 'stats') return await printStats(io, store, stateDir, flags.json === true);
    if (action === 'clear') {
      await clearCache(store, stateDir);
      io.stdout(`cleared ${redact(url)} and ${path.relative(io.cwd, path.join(stateDir, 'objects')) || 'objects'}\n`);
      return EXIT.ok;
    }
    const olderThan = flags.olderThan ?? '7d';
    const ms = parseDuration(olderThan);
    if (ms === undefined) throw new UsageError(`--older-than ${olderThan}: expected a duration such as 12h or 7d`);
    const result = await pruneCache(store, stateDir, Date.now() - ms);
    io.stdout(
      `pruned ${result.entriesRemoved} entries and ${result.objectsRemoved} objects (${formatBytes(result.bytesFreed)}) older than ${olderThan}\n`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
    release?.();
  }
}

async function printStats(io: CliIo, store: CacheStore, stateDir: string, isJson: boolean): Promise<number> {
  const stats = await cacheStats(store, stateDir);
  const last = readRunRecord(path.join(stateDir, 'runs'));
  const hits = last?.stages.reduce((n, s) => n + s.cache.hits, 0) ?? 0;
  const misses = last?.stages.reduce((n, s) => n + s.cache.misses, 0) ?? 0;
  const hitRate = hits + misses > 0 ? hits / (hits + misses) : null;
  if (isJson) {
    io.stdout(
      `${JSON.stringify({ ...stats, storeUrl: redact(stats.storeUrl), lastRun: last ? { runId: last.runId, hits, misses, hitRate } : null })}\n`,
    );
    return EXIT.ok;
  }
  const e = stats.entries;
  io.stdout(
    [
      `store:    ${redact(stats.storeUrl)}`,
      `entries:  ${e.stage + e.manifest + e.items + e.memo + e.blob + e.other} (${e.stage} stage, ${e.manifest} manifest, ${e.items} item manifest, ${e.memo} memo, ${e.blob} blob), ${formatBytes(stats.entryBytes)}`,
      `objects:  ${stats.objects.count}, ${formatBytes(stats.objects.bytes)} in ${path.relative(io.cwd, path.join(stateDir, 'objects')) || '.'}`,
      last
        ? `last run: ${last.runId}: ${hits} hits, ${misses} misses${hitRate === null ? '' : ` (hit rate ${(hitRate * 100).toFixed(1)}%)`}`
        : 'last run: none',
    ]
      .map((line) => `${line}\n`)
      .join(''),
  );
  return EXIT.ok;
}
