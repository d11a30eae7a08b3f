// With a shared store (Redis, Postgres), a cache entry found there is only
// useful if its blobs can be had too: the object store is local to each
// machine. So blobs also go into the shared store, and a machine missing one
// fetches it from there (verified by its hash). A blob up to CHUNK_BYTES is one entry,
// blob:<hash> (base64); a bigger one is sent in chunks, blob:<hash>:<i>, and
// its index entry blob:<hash> = { size, chunks } is written last, so whoever
// finds the index finds every chunk. Either way blobs of any size are shared,
// streamed a chunk at a time.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { sha256 } from '../util/hash.js';
import type { ObjectStore } from './object-store.js';
import type { TieredStore } from './tiered-store.js';

export const CHUNK_BYTES = 4 * 1024 * 1024;

export function isSharedStore(url: string): boolean {
  return !url.startsWith('sqlite://');
}

export function blobKey(hash: string): string {
  return `blob:${hash}`;
}

export function chunkKey(hash: string, index: number): string {
  return `blob:${hash}:${index}`;
}

interface ChunkIndex {
  size: number;
  chunks: number;
}

type Put = (entries: { key: string; value: unknown; ttlMs?: number }[]) => Promise<void>;

/**
 * Queues local blobs for the shared store (write-behind: the caller does not
 * wait). A blob this workspace sent there before, and that is still there,
 * is not sent again: a rerun that changed one record of a million names
 * hundreds of dataset chunks it shared before. With a TTL each is sent
 * again, so that it lives as long as the new entry.
 */
export function shareBlobs(store: TieredStore, objects: ObjectStore, hashes: Iterable<string>, ttlMs?: number): void {
  const unique = [...new Set(hashes)];
  store.writeBehind(async (put) => {
    const sent = ttlMs === undefined ? await store.writtenBefore(unique.map(blobKey)) : [];
    const sending = unique.filter((_, i) => sent[i] !== true);
    for (const hash of sending) await shareBlob(store, objects, hash, put, ttlMs);
    if (ttlMs === undefined) await store.markWritten(sending.map(blobKey));
  });
}

async function shareBlob(
  store: TieredStore,
  objects: ObjectStore,
  hash: string,
  put: Put,
  ttlMs?: number,
): Promise<void> {
  const stream = objects.openRead(hash);
  if (!stream) return;
  let parts: Buffer[] = [];
  let held = 0;
  let chunks = 0;
  let size = 0;
  try {
    for await (const data of stream) {
      parts.push(data as Buffer);
      held += (data as Buffer).length;
      size += (data as Buffer).length;
      if (held < CHUNK_BYTES) continue;
      // A blob of more than one chunk already in the shared store is not sent again.
      if (chunks === 0 && (await store.getShared<ChunkIndex>(blobKey(hash))) !== undefined) return;
      let pending = Buffer.concat(parts);
      for (; pending.length >= CHUNK_BYTES; pending = pending.subarray(CHUNK_BYTES)) {
        const value = pending.subarray(0, CHUNK_BYTES).toString('base64');
        await put([{ key: chunkKey(hash, chunks++), value, ttlMs }]);
      }
      parts = [pending];
      held = pending.length;
    }
  } catch {
    return; // a corrupt local blob (removed by openRead) is not shared
  }
  const rest = Buffer.concat(parts);
  if (chunks === 0) return put([{ key: blobKey(hash), value: rest.toString('base64'), ttlMs }]);
  if (rest.length > 0) await put([{ key: chunkKey(hash, chunks++), value: rest.toString('base64'), ttlMs }]);
  await put([{ key: blobKey(hash), value: { size, chunks } satisfies ChunkIndex, ttlMs }]);
}

/**
 * How fetching a blob from the shared store went: `corrupt` when what is
 * there does not hash to its name (or is not a blob at all).
 */
export type Fetched = 'fetched' | 'missing' | 'corrupt';

/** Brings a blob from the shared store into the local object store, when it is there and sound. */
export async function fetchBlob(store: TieredStore, objects: ObjectStore, hash: string): Promise<Fetched> {
  const found = await store.getShared<string | ChunkIndex>(blobKey(hash));
  if (found === undefined) return 'missing';
  if (typeof found === 'string') {
    const data = Buffer.from(found, 'base64');
    if (sha256(data) !== hash) return 'corrupt';
    objects.putBytes(data);
    return 'fetched';
  }
  if (!isChunkIndex(found)) return 'corrupt';
  const temp = objects.tempPath();
  try {
    const fetched = await fetchChunks(store, hash, found, temp);
    if (fetched === 'fetched') objects.adopt(temp, hash);
    return fetched;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Writes the chunks to `temp`, a chunk at a time; fetched when they add up to the blob. */
async function fetchChunks(store: TieredStore, hash: string, index: ChunkIndex, temp: string): Promise<Fetched> {
  const digest = createHash('sha256');
  const fd = fs.openSync(temp, 'w');
  let size = 0;
  try {
    for (let i = 0; i < index.chunks; i++) {
      const chunk = await store.getShared<string>(chunkKey(hash, i));
      if (typeof chunk !== 'string') return 'missing';
      const data = Buffer.from(chunk, 'base64');
      digest.update(data);
      fs.writeSync(fd, data);
      size += data.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return size === index.size && digest.digest('hex') === hash ? 'fetched' : 'corrupt';
}

function isChunkIndex(value: unknown): value is ChunkIndex {
  if (value === null || typeof value !== 'object') return false;
  const { size, chunks } = value as Record<string, unknown>;
  return Number.isSafeInteger(size) && Number.isSafeInteger(chunks) && (chunks as number) > 0;
}
