// The Redis backend of the shared cache store (redis:// or rediss:// URLs):
// Keyv over @keyv/redis, one connection, keys `runner::<key>`.
import type Keyv from 'keyv';
import type { KeyvOptions } from 'keyv';
import { withDeadline } from '../util/deadline.js';
import { requirePackage } from '../util/require.js';

export interface RedisStoreOptions {
  /** Keyv's options but the store (namespace, serializer...). */
  keyv: Omit<KeyvOptions, 'store'>;
  /** How long connecting and a first PING may take before the store is given up. */
  connectTimeoutMs: number;
  /** Told the Keyv before any of its commands runs (to listen for its errors). */
  onOpen(keyv: Keyv): void;
}

export function isRedisUrl(url: string): boolean {
  return url.startsWith('redis://') || url.startsWith('rediss://');
}

/**
 * A Keyv over the server at `url`, once it has answered within the connect
 * timeout; otherwise throws (the caller names the URL).
 */
export async function openRedis(url: string, options: RedisStoreOptions): Promise<Keyv> {
  const { Keyv } = await import('keyv');
  const { default: KeyvRedis } = requirePackage('@keyv/redis') as typeof import('@keyv/redis');
  // No offline queue and no background reconnect loop: with the server gone,
  // node-redis would otherwise queue every command until it comes back (a
  // run hangs forever) and report each reconnect attempt. A command now
  // fails at once (a logged miss) and the next one connects again.
  // The connect timeout is node-redis's own: KeyvRedis's `connectionTimeout`
  // races connect() against a timer it never clears, which kept every
  // command that used Redis alive for 5 s after its work was done.
  const socket = { connectTimeout: options.connectTimeoutMs, reconnectStrategy: false as const };
  const adapter = new KeyvRedis({ url, disableOfflineQueue: true, socket }, { throwOnConnectError: true });
  // Connected before the first command: without the offline queue, commands
  // sent while the first connect is still in flight fail ("The client is
  // offline"), and a run's first lookups all missed. A server that does not
  // answer within the timeout fails the open, which the caller reports.
  await connectRedis(adapter.client as unknown as RedisConnectable, options.connectTimeoutMs);
  // KeyvRedis puts the namespace before each key itself.
  const keyv = new Keyv({ store: adapter, useKeyPrefix: false, ...options.keyv });
  options.onOpen(keyv);
  return keyv;
}

interface RedisConnectable {
  connect(): Promise<unknown>;
  ping(): Promise<unknown>;
  destroy(): void;
}

/** Connected and answering (a PING) within `ms`, or an error; a half-open client is destroyed. */
async function connectRedis(client: RedisConnectable, ms: number): Promise<void> {
  try {
    await withDeadline(
      client.connect().then(() => client.ping()),
      ms,
      () => {},
    );
  } catch (error) {
    try {
      client.destroy();
    } catch {
      // nothing left to close
    }
    throw error;
  }
}
