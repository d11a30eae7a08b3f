// `runner cache stats|clear|prune`.
import fs from 'node:fs';
import path from 'node:path';
import { chunksNamedIn } from './dataset-chunks.js';
import { datasetsNamedIn } from './item-manifest.js';
import type { ItemsEntry } from './item-manifest.js';
import type { StageRecord } from './state.js';
import { WorkspaceState } from './state.js';
import type { CacheStore } from './store.js';

export interface CacheStats {
  storeUrl: string;
  entries: { stage: number; manifest: number; items: number; memo: number; blob: number; other: number };
  entryBytes: number;
  objects: { count: number; bytes: number };
}

export async function cacheStats(store: CacheStore, stateDir: string): Promise<CacheStats> {
  const entries = { stage: 0, manifest: 0, items: 0, memo: 0, blob: 0, other: 0 };
  let entryBytes = 0;
  for await (const [key, value] of store.entries()) {
    const kind = key.split(':')[0] ?? '';
    if (kind === 'stage' || kind === 'manifest' || kind === 'items' || kind === 'memo' || kind === 'blob')
      entries[kind]++;
    else entries.other++;
    entryBytes += key.length + (typeof value === 'string' ? value.length : JSON.stringify(value ?? null).length);
  }
  return { storeUrl: store.url, entries, entryBytes, objects: objectUsage(path.join(stateDir, 'objects')) };
}

/**
 * Everything the workspace keeps but its run records and lock: the store's
 * entries, the objects, the workspace state, and what runs derive and keep
 * to go faster (compiled modules, the stat cache, glob and pass memos), so
 * that nothing a run reads afterwards comes from before.
 */
export async function clearCache(store: CacheStore, stateDir: string): Promise<void> {
  // What names objects goes before the objects, the workspace state first (a
  // no-op trusts it without the store): a clear killed midway then leaves
  // names of nothing, never a state or entry naming a manifest or dataset
  // already removed, which the next run would warn of and compute again.
  fs.rmSync(path.join(stateDir, 'state.json'), { force: true });
  await store.clear();
  for (const dir of ['objects', 'items', 'modules', 'passes', 'globs'])
    fs.rmSync(path.join(stateDir, dir), { recursive: true, force: true });
  for (const file of ['blob-checks.json', 'stat-cache.bin', 'stat-cache.log'])
    fs.rmSync(path.join(stateDir, file), { force: true });
}

export interface PruneResult {
  entriesRemoved: number;
  objectsRemoved: number;
  bytesFreed: number;
}

/**
 * Removes store entries created before `cutoff` (except those the workspace
 * state still points at, and those with no creation time), then every object
 * no remaining entry (of any of the stores) references and older than the cutoff.
 */
export async function pruneCache(
  stores: CacheStore | readonly CacheStore[],
  stateDir: string,
  cutoffMs: number,
  onBadFile?: (message: string) => void,
): Promise<PruneResult> {
  const state = new WorkspaceState(path.join(stateDir, 'state.json'), { isReadOnly: true, onBadFile }).records();
  const keep = new Set<string>();
  for (const record of state) referencedObjects(record, keep);
  let entriesRemoved = 0;
  for (const store of Array.isArray(stores) ? stores : [stores])
    entriesRemoved += await pruneEntries(store as CacheStore, state, cutoffMs, keep);
  pruneJournals(path.join(stateDir, 'items'), cutoffMs);
  // Glob memos not written since the cutoff: patterns no stage uses any more,
  // or (harmlessly) ones whose directories have not changed since; the next
  // run that needs one walks its directories and keeps it again.
  removeOlder(path.join(stateDir, 'globs'), cutoffMs);
  // Pass memos (pass-memo.ts) the same way: one a stage, rewritten when its files' stats change.
  removeOlder(path.join(stateDir, 'passes'), cutoffMs);
  let objectsRemoved = 0;
  let bytesFreed = 0;
  const objectsDir = path.join(stateDir, 'objects');
  // An item manifest kept keeps the datasets it points into, and a dataset kept keeps its chunks.
  for (const hash of [...keep]) for (const dataset of datasetsNamedIn(path.join(objectsDir, hash))) keep.add(dataset);
  for (const hash of [...keep]) for (const chunk of chunksNamedIn(path.join(objectsDir, hash))) keep.add(chunk);
  for (const { hash, file, size, mtimeMs } of listObjects(objectsDir)) {
    if (keep.has(hash) || mtimeMs >= cutoffMs) continue;
    fs.rmSync(file, { force: true });
    objectsRemoved++;
    bytesFreed += size;
  }
  return { entriesRemoved, objectsRemoved, bytesFreed };
}

/** Removes one store's old entries; adds the objects its remaining ones reference to `keep`. */
async function pruneEntries(
  store: CacheStore,
  state: StageRecord[],
  cutoffMs: number,
  keep: Set<string>,
): Promise<number> {
  const live = new Set(state.map((r) => r.fingerprint));
  const liveScopes = new Set(state.flatMap((r) => (r.itemManifest ? [r.itemManifest.scope] : [])));
  const doomed: string[] = [];
  for await (const [key, raw] of store.entries()) {
    const inner = innerValue(raw) as (Partial<StageRecord> & { at?: number }) | undefined;
    // An entry that does not say when it was made (a stage's memo values are
    // stored as given) is not known to be old: it is kept, and goes by its TTL.
    const createdAt = inner?.createdAt ?? inner?.at;
    // A stage's entry, its manifest and its items live as long as the workspace state points at them.
    const [kind = '', id = ''] = key.split(':');
    const isLive =
      ((kind === 'stage' || kind === 'manifest') && live.has(id)) || (kind === 'items' && liveScopes.has(id));
    if (!isLive && typeof createdAt === 'number' && createdAt < cutoffMs) {
      doomed.push(key);
      continue;
    }
    if (kind === 'stage') referencedObjects(inner as StageRecord, keep);
    // A manifest's long input list is a chunked list (its chunks kept with it, below), or one blob (older runners).
    const { inputList, inputs } = (inner ?? {}) as { inputList?: unknown; inputs?: unknown };
    if (kind === 'manifest' && typeof inputList === 'string') keep.add(inputList);
    if (kind === 'manifest' && typeof inputs === 'string') keep.add(inputs);
    if (kind === 'items') itemObjects(inner as Partial<ItemsEntry>, keep);
  }
  for (const key of doomed) await store.delete(key);
  return doomed.length;
}

/** An entry's value: unwrapped from Keyv's { value } and from a shared store's envelope ({ j: json, s }). */
function innerValue(raw: unknown): unknown {
  const value = (typeof raw === 'string' ? safeParse(raw) : raw) as { value?: unknown } | undefined;
  const inner = value && typeof value === 'object' && 'value' in value ? value.value : value;
  const json = inner && typeof inner === 'object' ? (inner as { j?: unknown }).j : undefined;
  return typeof json === 'string' ? safeParse(json) : inner;
}

function referencedObjects(record: Partial<StageRecord> | undefined, into: Set<string>): void {
  if (!record) return;
  if (record.dataset) into.add(record.dataset.hash);
  if (record.itemManifest) into.add(record.itemManifest.manifest);
  for (const output of record.outputs ?? []) into.add(output.hash);
}

/** The blobs an `items:` entry names: the item manifest and the datasets it points into. */
function itemObjects(entry: Partial<ItemsEntry> | undefined, into: Set<string>): void {
  if (typeof entry?.manifest === 'string') into.add(entry.manifest);
  if (typeof entry?.dataset === 'string') into.add(entry.dataset);
  if (typeof entry?.raws === 'string') into.add(entry.raws);
}

/** Item journals (of interrupted or failed runs) not written to since the cutoff. */
function pruneJournals(dir: string, cutoffMs: number): void {
  for (const stage of namesIn(dir)) removeOlder(path.join(dir, stage), cutoffMs);
}

/** Removes the files of `dir` last written before `cutoffMs`. */
function removeOlder(dir: string, cutoffMs: number): void {
  for (const name of namesIn(dir)) {
    const file = path.join(dir, name);
    if ((fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < cutoffMs) fs.rmSync(file, { force: true });
  }
}

function* listObjects(dir: string): Generator<{ hash: string; file: string; size: number; mtimeMs: number }> {
  for (const name of namesIn(dir).filter((name) => /^[0-9a-f]{64}(\.gz)?$/.test(name))) {
    const file = path.join(dir, name);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st) yield { hash: name.replace(/\.gz$/, ''), file, size: st.size, mtimeMs: st.mtimeMs };
  }
}

function objectUsage(dir: string): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const object of listObjects(dir)) {
    count++;
    bytes += object.size;
  }
  return { count, bytes };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The entries of `dir`; none when it is missing or unreadable. */
function namesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
