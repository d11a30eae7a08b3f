// The runner daemon: a resident process per workspace that answers no-op
// runs. A no-op `runner exec` spends most of its time starting Node and
// loading the runner (about two thirds on the peers workload); the daemon
// has both done, and its code is warm. It runs the same exec path as the
// command, with every input stat-ed and every key computed as usual, so it
// can never answer from a stale picture. Only runs where every stage is
// cached are served: the first stage that would run (or be restored) hands
// the run back, before anything was printed or written, and the command
// runs it in a process of its own, so stage code never runs in the daemon
// (where a module edited since it was first imported would stay stale).
//
// Wire protocol over .runner/daemon.sock, one JSON object per line:
//   command -> daemon  { argv, cwd, env, isTty, columns, build }, later { signal }
//   daemon -> command  { o: text } stdout, { e: text } stderr, then
//                      { exit: code } or { defer: why } (run it yourself)
// `build` identifies the runner's bundle: a daemon of another build hands
// every run back and exits. The daemon exits after IDLE_MS without a
// request, or when its socket disappears (.runner was deleted).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ParallelHasher } from '../cache/parallel-hasher.js';
import type { HashHelp } from '../cache/stat-cache.js';
import { DeferredRun } from '../cli/io.js';
import { findConfig } from '../cli/workspace.js';
import { PreHasher } from './prehash.js';
import type { CliIo } from '../cli/io.js';
import { readJsonOrUndefined } from '../util/fs.js';

export const IDLE_MS = 15 * 60 * 1000;
const CHECK_EVERY_MS = 1000;

export interface DaemonRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  isTty: boolean;
  columns?: number;
  build: string;
}

export type DaemonFrame = { o: string } | { e: string } | { exit: number } | { defer: string };

export function daemonPaths(root: string): { socket: string; info: string } {
  return { socket: path.join(root, '.runner', 'daemon.sock'), info: path.join(root, '.runner', 'daemon.json') };
}

export interface DaemonInfo {
  pid: number;
  build: string;
  startedAt: string;
}

/**
 * Serves `root` until idle or stopped. Resolves false at once when another
 * daemon already serves it.
 */
export async function serveWorkspace(options: {
  root: string;
  build: string;
  main: (io: CliIo) => Promise<number>;
  idleMs?: number;
}): Promise<boolean> {
  const { root, build } = options;
  const { socket, info } = daemonPaths(root);
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  if (await isAnswering(socket)) return false;
  fs.rmSync(socket, { force: true });
  const server = net.createServer();
  const hasher = new ParallelHasher();
  const preHasher = new PreHasher(hasher);
  // kept: the last run's stat cache, for the next run to take over (StatCache.forRun).
  const hashHelp: HashHelp = { ...preHasher.help(), kept: {} };
  let queue = Promise.resolve();
  let lastRequestAt = Date.now();
  let isStopping = false;
  let inode: number | undefined;
  let check: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (isStopping) return;
    isStopping = true;
    clearInterval(check);
    server.close();
    preHasher.close();
    void hasher.close();
    if (socketInode(socket) === inode) fs.rmSync(socket, { force: true });
    if (readDaemonInfo(info)?.pid === process.pid) fs.rmSync(info, { force: true });
  };
  server.on('connection', (connection) => {
    lastRequestAt = Date.now();
    readRequest(connection, (request, controller) => {
      queue = queue
        .then(() => serve(connection, request, controller))
        .then(() => {
          lastRequestAt = Date.now();
        });
    });
  });
  const serve = async (connection: net.Socket, request: DaemonRequest, controller: AbortController): Promise<void> => {
    preHasher.isPaused = true;
    try {
      await answer(connection, request, controller);
    } finally {
      preHasher.resume();
    }
  };
  const answer = async (connection: net.Socket, request: DaemonRequest, controller: AbortController): Promise<void> => {
    const send = (frame: DaemonFrame): void => {
      if (!connection.destroyed) connection.write(`${JSON.stringify(frame)}\n`);
    };
    if (request.build !== build) {
      send({ defer: 'the daemon runs another build of runner' });
      connection.end();
      stop();
      return;
    }
    // Typed in the workspace or below it: the run finds this workspace's pipelines.yaml.
    const config = findConfig({ cwd: path.resolve(request.cwd) });
    if (config === undefined || path.dirname(config) !== root) {
      send({ defer: `the daemon serves ${root}` });
      connection.end();
      return;
    }
    const terminal = new Writable({
      write(chunk: Buffer | string, _encoding, done): void {
        send({ e: String(chunk) });
        done();
      },
    }) as Writable & { isTTY?: boolean; columns?: number };
    terminal.isTTY = request.isTty;
    terminal.columns = request.columns;
    try {
      const code = await options.main({
        argv: request.argv,
        cwd: request.cwd,
        env: request.env,
        stdout: (text) => send({ o: text }),
        stderr: (text) => send({ e: text }),
        isTty: request.isTty,
        terminal,
        signal: controller.signal,
        isDaemon: true,
        hashHelp,
      });
      send({ exit: code });
    } catch (error) {
      if (error instanceof DeferredRun) {
        send({ defer: error.message });
      } else {
        send({ e: `runner: internal error (daemon): ${(error as Error)?.stack ?? String(error)}\n` });
        send({ exit: 70 });
      }
    }
    connection.end();
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, resolve);
  });
  // Only this user's commands may ask it.
  fs.chmodSync(socket, 0o600);
  inode = socketInode(socket);
  fs.writeFileSync(
    info,
    JSON.stringify({ pid: process.pid, build, startedAt: new Date().toISOString() } satisfies DaemonInfo),
  );
  check = setInterval(() => {
    const isGone = socketInode(socket) !== inode;
    if (isGone || Date.now() - lastRequestAt > (options.idleMs ?? IDLE_MS)) stop();
  }, CHECK_EVERY_MS);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop);
  await new Promise<void>((resolve) => server.once('close', resolve));
  stop();
  return true;
}

/** The first line is the request; a later `{ signal }` line cancels it. */
function readRequest(
  connection: net.Socket,
  onRequest: (request: DaemonRequest, controller: AbortController) => void,
): void {
  const controller = new AbortController();
  let buffered = '';
  let hasRequest = false;
  connection.setEncoding('utf8');
  connection.on('data', (chunk: string) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        connection.destroy();
        return;
      }
      if (!hasRequest) {
        hasRequest = true;
        onRequest(message as DaemonRequest, controller);
      } else if ((message as { signal?: string }).signal) {
        controller.abort(new Error('interrupted'));
      }
    }
  });
  // The command went away (killed): stop what it asked for.
  connection.on('close', () => controller.abort(new Error('interrupted')));
  connection.on('error', () => {});
}

function isAnswering(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function socketInode(socket: string): number | undefined {
  try {
    return fs.statSync(socket).ino;
  } catch {
    return undefined;
  }
}

export function readDaemonInfo(file: string): DaemonInfo | undefined {
  const parsed = readJsonOrUndefined<DaemonInfo>(file);
  return typeof parsed?.pid === 'number' ? parsed : undefined;
}
