// Shared by the cache-maintenance tests: a workspace with a real SQLite
// store, an object store, and records whose blobs have chosen ages.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { ObjectStore } from '../../src/cache/object-store.js';
import type { StageRecord } from '../../src/cache/state.js';
import { defaultStoreUrl, openStore } from '../../src/cache/store.js';
import type { CacheStore } from '../../src/cache/store.js';
import { tempDir } from './helpers.js';

export const DAY = 24 * 3600 * 1000;
export const NOW = Date.UTC(2030, 5, 1);
export const OLD = NOW - 30 * DAY;
export const NEW = NOW - 1 * DAY;
export const CUTOFF = NOW - 7 * DAY;

const open: CacheStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

export interface Fixture {
  root: string;
  stateDir: string;
  store: CacheStore;
  objects: ObjectStore;
  errors: string[];
}

export async function fixture(): Promise<Fixture> {
  const root = tempDir();
  const stateDir = path.join(root, '.runner');
  const errors: string[] = [];
  const store = await openStore(defaultStoreUrl(stateDir), root, (m) => errors.push(m));
  open.push(store);
  return { root, stateDir, store, objects: new ObjectStore(path.join(stateDir, 'objects')), errors };
}

/** A stage record whose one output is a blob of the given age (its manifest is a store entry: see storeRecord). */
export function record(f: Fixture, name: string, createdAt: number): StageRecord {
  const output = f.objects.putBytes(`output of ${name}`);
  fs.utimesSync(f.objects.pathOf(output), new Date(createdAt), new Date(createdAt));
  return {
    fingerprint: `fp-${name}`,
    outputFingerprint: `ofp-${name}`,
    manifest: `fp-${name}`,
    outputs: [{ path: `out/${name}.txt`, hash: output, size: 10, mode: 0o100644 }],
    createdAt,
    durationMs: 1,
  };
}

/** Stores a record as a run does: its manifest entry, then its stage entry. */
export async function storeRecord(f: Fixture, record: StageRecord): Promise<void> {
  await f.store.set(`manifest:${record.fingerprint}`, { at: record.createdAt, m: { format: 2 } });
  await f.store.set(`stage:${record.fingerprint}`, record);
}

/** An object of the given age that no record names. */
export function blob(f: Fixture, content: string, mtime: number): string {
  const hash = f.objects.putBytes(content);
  fs.utimesSync(f.objects.pathOf(hash), new Date(mtime), new Date(mtime));
  return hash;
}

export async function keys(store: CacheStore): Promise<string[]> {
  const out: string[] = [];
  for await (const [key] of store.entries()) out.push(key);
  return out.sort();
}
