// Remote map workers on this machine: a real redis-server on a free port
// (started per test file), real `runner worker` processes (bin/runner.cjs)
// each serving a checkout, and raw access to what the queue holds.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startRedis } from '../cache/redis-server.js';
import type { RedisServer } from '../cache/redis-server.js';
import { BIN, waitFor, Workspace } from './rig.js';

export interface WorkerProcess {
  pid: number;
  /** Its output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

export interface WorkersRig {
  /** redis://127.0.0.1:<port> */
  url(): string;
  /** A fresh workspace with these files (removed after the test). */
  workspace(files: Record<string, string>): Workspace;
  /** Starts `runner worker --queue <url> -C <dir>`; resolves once it says it is taking batches. */
  startWorker(dir: string, extra?: string[]): Promise<WorkerProcess>;
  /** Kills redis-server and starts an empty one on the same port (a restart without persistence). */
  restartRedis(): Promise<void>;
  /** Kills redis-server; resolves with what starts an empty one on the same port again. */
  stopRedis(): Promise<() => Promise<void>>;
  /** The keys in Redis of a run's jobs (job hashes and their logs), and the queue's lists and sets naming them. */
  jobsOfRun(runId: string): Promise<string[]>;
}

export function workersRig(): WorkersRig {
  let server: RedisServer | undefined;
  const workspaces: Workspace[] = [];
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const child of workers.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('close', resolve));
        child.kill('SIGKILL');
        await gone;
      }
    }
    for (const ws of workspaces.splice(0)) ws.remove();
    await withRedis(url(), (redis) => redis.flushall());
  });
  const url = (): string => {
    if (!server) throw new Error('redis-server was not started');
    return server.url;
  };
  return {
    url,
    workspace: (files) => {
      const ws = new Workspace();
      for (const [file, content] of Object.entries(files)) ws.write(file, content);
      workspaces.push(ws);
      return ws;
    },
    startWorker: async (dir, extra = []) => {
      const child = spawn(process.execPath, [BIN, 'worker', '--queue', url(), '-C', dir, ...extra], {
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      workers.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      await waitFor(
        () => (stdout.includes('computing map batches') ? true : child.exitCode !== null ? true : undefined),
        15_000,
        'runner worker to start',
      );
      if (!stdout.includes('computing map batches')) throw new Error(`runner worker did not start:\n${stderr}`);
      return {
        pid: child.pid ?? 0,
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
        kill: (signal) => child.kill(signal),
      };
    },
    restartRedis: async () => {
      if (!server) throw new Error('redis-server was not started');
      const { port } = server;
      await server.stop();
      server = await startRedis(port);
    },
    stopRedis: async () => {
      if (!server) throw new Error('redis-server was not started');
      const { port } = server;
      await server.stop();
      return async () => {
        server = await startRedis(port);
      };
    },
    jobsOfRun: (runId) =>
      withRedis(url(), async (redis) => {
        const keys = await redis.keys(`bull:runner:${runId}*`);
        const named: string[] = [];
        for (const list of ['wait', 'active', 'paused'])
          named.push(...(await redis.lrange(`bull:runner:${list}`, 0, -1)));
        for (const set of ['delayed', 'prioritized', 'completed', 'failed'])
          named.push(...(await redis.zrange(`bull:runner:${set}`, 0, -1)));
        return [...keys, ...named.filter((id) => id.startsWith(runId))];
      }),
  };
}

/** Polls an asynchronous `check` until it holds, or throws after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url);
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}
