import path from 'node:path';
import { parseDuration } from '../../config/duration.js';
import { cacheStats, clearCache, pruneCache } from '../../cache/maintenance.js';
import { openStore, redact } from '../../cache/store.js';
import type { CacheStore } from '../../cache/store.js';
import { messageOf } from '../../util/errors.js';
import { formatBytes } from '../../report/format.js';
import { readRunRecord } from '../../report/run-record.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError, warnOf } from '../io.js';
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
    store = await openStore(url, analysis.plan.root, warnOf(io));
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
    const result = await pruneCache(store, stateDir, Date.now() - ms, warnOf(io));
    const { entriesRemoved, objectsRemoved } = result;
    const freed = formatBytes(result.bytesFreed);
    io.stdout(`pruned ${entriesRemoved} entries and ${objectsRemoved} objects (${freed}) older than ${olderThan}\n`);
    return EXIT.ok;
  } finally {
    await store.close();
    release?.();
  }
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
