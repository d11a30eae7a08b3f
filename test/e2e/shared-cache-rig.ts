// Workspaces sharing one real Redis (started by the test on a free port):
// each stands for a CI machine. Raw access to the server lets a test look at,
// or tamper with, what the runner stored there.
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startRedis } from '../cache/redis-server.js';
import type { RedisServer } from '../cache/redis-server.js';
import { Workspace } from './rig.js';

export interface SharedCacheRig {
  redis(): RedisServer;
  /** A fresh workspace with these files. */
  machine(files: Record<string, string>): Workspace;
  /** Every key in Redis (with the runner:: prefix). */
  keys(): Promise<string[]>;
  getRaw(key: string): Promise<string | undefined>;
  setRaw(key: string, value: string): Promise<void>;
}

/** Starts Redis before the file's tests and stops it after; removes workspaces after each test. */
export function sharedCacheRig(): SharedCacheRig {
  let server: RedisServer | undefined;
  const workspaces: Workspace[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const ws of workspaces.splice(0)) ws.remove();
    if (server) await withClient(server.url, async (client) => void (await client.flushAll()));
  });
  const redis = (): RedisServer => {
    if (!server) throw new Error('redis-server was not started');
    return server;
  };
  return {
    redis,
    machine: (files) => {
      const ws = new Workspace();
      for (const [file, content] of Object.entries(files)) ws.write(file, content);
      workspaces.push(ws);
      return ws;
    },
    keys: () => withClient(redis().url, (client) => client.keys('*')),
    getRaw: (key) => withClient(redis().url, async (client) => (await client.get(key)) ?? undefined),
    setRaw: (key, value) => withClient(redis().url, async (client) => void (await client.set(key, value))),
  };
}

const rawClient = (url: string) => createClient({ url });
type RawClient = ReturnType<typeof rawClient>;

async function withClient<T>(url: string, use: (client: RawClient) => Promise<T>): Promise<T> {
  const client = rawClient(url);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.quit();
  }
}
