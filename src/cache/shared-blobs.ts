// With a shared store (Redis), a cache entry found there is only useful if
// its blobs can be had too: the object store is local to each machine. So
// blobs up to SHARE_LIMIT also go into the shared store under blob:<hash>,
// and a machine missing one fetches it from there (verified by its hash).
// A local SQLite store shares nothing: its objects are already here.
import { sha256 } from '../util/hash.js';
import type { ObjectStore } from './object-store.js';
import type { CacheStore } from './store.js';

export const SHARE_LIMIT = 8 * 1024 * 1024;

export function isSharedStore(url: string): boolean {
  return !url.startsWith('sqlite://');
}

export function blobKey(hash: string): string {
  return `blob:${hash}`;
}

/** Copies local blobs (up to SHARE_LIMIT each) into the shared store. */
export async function shareBlobs(
  store: CacheStore,
  objects: ObjectStore,
  hashes: Iterable<string>,
  ttlMs?: number,
): Promise<void> {
  const entries: { key: string; value: unknown; ttlMs?: number }[] = [];
  for (const hash of new Set(hashes)) {
    const data = await objects.readSmall(hash, SHARE_LIMIT);
    if (data) entries.push({ key: blobKey(hash), value: data.toString('base64'), ttlMs });
  }
  if (entries.length > 0) await store.setMany(entries);
}

/** Brings a blob from the shared store into the local object store; false when it is not there (or corrupt). */
export async function fetchBlob(store: CacheStore, objects: ObjectStore, hash: string): Promise<boolean> {
  const encoded = await store.get<string>(blobKey(hash));
  if (typeof encoded !== 'string') return false;
  const data = Buffer.from(encoded, 'base64');
  if (sha256(data) !== hash) return false;
  objects.putBytes(data);
  return true;
}
