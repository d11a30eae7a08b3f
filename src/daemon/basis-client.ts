// A run the daemon handed back to its command asks the daemon, as it starts
// in the command's own process (holding the workspace), what the daemon's
// watch log vouches for (watch-log.ts; server.ts answers BasisRequest after
// a barrier of its own): the stats of each list it kept a pass of, and the
// files of each to stat again. A long list whose identity is one of them is
// then stat'ed only there, as in a run the daemon serves; an edit's run at
// 100,000 files does not stat the other 99,999. Any failure (no daemon,
// another build, no answer in WAIT_MS, a malformed answer) is no basis: the
// run stats every file, as before.
import fs from 'node:fs';
import { listIdentity } from '../cache/list-identity.js';
import { FIELDS } from '../cache/stat-rows.js';
import type { PassBasis, PassChanges } from '../cache/stat-cache-types.js';
import { daemonPaths } from './paths.js';
import type { BasisAnswer, BasisRequest, RanRequest } from './protocol.js';

/**
 * The daemon answers at once (it just handed the run back: a barrier, then at a million files 32 MB of
 * stats); past this, the run stats every file rather than wait on a daemon whose barrier is not coming.
 */
const WAIT_MS = 300;

/** What the daemon of the workspace at `root` vouches for (its build `build`), if it can. */
export async function askBasis(root: string, build: string): Promise<PassChanges | undefined> {
  const { socket } = daemonPaths(root);
  if (!fs.existsSync(socket)) return undefined;
  const net = await import('node:net');
  const bytes = await new Promise<Buffer | undefined>((resolve) => {
    const chunks: Buffer[] = [];
    const connection = net.connect(socket);
    const timer = setTimeout(() => {
      connection.destroy();
      resolve(undefined);
    }, WAIT_MS);
    const done = (answer: Buffer | undefined): void => {
      clearTimeout(timer);
      resolve(answer);
    };
    connection.on('connect', () => connection.write(`${JSON.stringify({ basis: build } satisfies BasisRequest)}\n`));
    connection.on('data', (chunk: Buffer) => chunks.push(chunk));
    connection.on('end', () => done(Buffer.concat(chunks)));
    connection.on('error', () => done(undefined));
  });
  return bytes && changesOf(bytes);
}

/**
 * Tells the daemon of the workspace at `root` that the run it handed back
 * is over (RanRequest: it rehearses it, to keep a pass it can vouch for).
 * Waits for nothing but the words to go out, RAN_WAIT_MS at most.
 */
export async function tellRan(root: string, request: RanRequest): Promise<void> {
  const { socket } = daemonPaths(root);
  if (!fs.existsSync(socket)) return;
  const net = await import('node:net');
  await new Promise<void>((resolve) => {
    const connection = net.connect(socket);
    const timer = setTimeout(() => connection.destroy(), RAN_WAIT_MS);
    connection.on('connect', () => connection.end(`${JSON.stringify(request)}\n`));
    connection.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    connection.on('error', () => {});
  });
}

const RAN_WAIT_MS = 100;

function changesOf(bytes: Buffer): PassChanges | undefined {
  const newline = bytes.indexOf(10);
  if (newline === -1) return undefined;
  let answer: BasisAnswer;
  try {
    answer = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as BasisAnswer;
  } catch {
    return undefined;
  }
  const lists: (PassBasis & { identity: string })[] = [];
  let at = newline + 1;
  for (const { identity, count, stale } of Array.isArray(answer.lists) ? answer.lists : []) {
    const size = 8 * FIELDS * count;
    if (!Number.isInteger(count) || count < 0 || at + size > bytes.length) return undefined;
    // Copied: the socket's bytes need not be aligned for a Float64Array.
    const stats = new Float64Array(FIELDS * count);
    new Uint8Array(stats.buffer).set(bytes.subarray(at, at + size));
    at += size;
    if (typeof identity === 'string' && isAscending(stale, count)) lists.push({ identity, stats, stale });
  }
  if (lists.length === 0) return undefined;
  return {
    since: (files) => {
      const found = lists.find(
        (list) => list.stats.length === FIELDS * files.length && list.identity === listIdentity(files),
      );
      return found && { stats: found.stats, stale: found.stale };
    },
    // Kept by the daemon from the runs it serves: a run here tells it nothing.
    keep: () => {},
  };
}

function isAscending(stale: unknown, count: number): stale is number[] {
  if (!Array.isArray(stale)) return false;
  let last = -1;
  for (const i of stale) {
    if (!Number.isInteger(i) || i <= last || i >= count) return false;
    last = i;
  }
  return true;
}
