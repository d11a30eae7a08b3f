// A real redis-server for the store contract: on a free port, no persistence,
// in a temp directory. A missing binary is an error, never a skip: CI
// installs Redis, so a green run must have tested it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnUntilReady } from './server-process.js';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

export function findRedisServer(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'redis-server');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    'redis-server is not installed (not on PATH). The Redis cache backend must be tested: install it ' +
      '(Debian: apt-get install -y redis-server) and run the tests again.',
  );
}

/** Starts a server on a free port, or on `port` (a server started again where one was stopped). */
export async function startRedis(port?: number): Promise<RedisServer> {
  const binary = findRedisServer();
  port ??= await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-redis-'));
  const { child, exited } = await spawnUntilReady(
    `redis-server on port ${port}`,
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { ready: 'Ready to accept connections' },
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
