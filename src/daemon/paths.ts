// Where a workspace's daemon listens and says who it is: what the `daemon`
// command needs without loading the server (net, streams, the hasher).
import path from 'node:path';
import { readJsonOrUndefined } from '../util/fs.js';

export function daemonPaths(root: string): { socket: string; info: string } {
  return { socket: path.join(root, '.runner', 'daemon.sock'), info: path.join(root, '.runner', 'daemon.json') };
}

export interface DaemonInfo {
  pid: number;
  build: string;
  startedAt: string;
  /** When it was done warming up (its rehearsals, server.ts); absent while it warms. */
  readyAt?: string;
  /** When it last rehearsed a run it had handed back, once that run was over (server.ts). */
  rehearsedAt?: string;
}

export function readDaemonInfo(file: string): DaemonInfo | undefined {
  const parsed = readJsonOrUndefined<DaemonInfo>(file);
  return typeof parsed?.pid === 'number' ? parsed : undefined;
}
