import { createHash, hash } from 'node:crypto';

/** sha256 hex of text or bytes: the one hash the cache uses everywhere. */
export function sha256(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** sha256 hex of bytes given in parts: that of the parts joined, without joining them. */
export function sha256Of(parts: readonly Uint8Array[]): string {
  const hasher = createHash('sha256');
  for (const part of parts) hasher.update(part);
  return hasher.digest('hex');
}

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item);
    }
    return sorted;
  }
  return value;
}

export function hashValue(value: unknown): string {
  return sha256(canonicalJson(value));
}
