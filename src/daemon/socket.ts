// The daemon's side of its socket (server.ts serves what comes in): reading
// a request and the signal that may follow it, handing a command back,
// relaying the command's terminal, whether a daemon answers on a socket,
// and the socket file's inode (a daemon whose socket was replaced stops).
import net from 'node:net';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import type { BasisRequest, DaemonFrame, DaemonRequest, RanRequest } from './protocol.js';

export function isBasisRequest(request: DaemonRequest | BasisRequest | RanRequest): request is BasisRequest {
  return typeof (request as BasisRequest).basis === 'string';
}

export function isRanRequest(request: DaemonRequest | BasisRequest | RanRequest): request is RanRequest {
  const ran = request as RanRequest;
  return typeof ran.ran === 'string' && Array.isArray(ran.argv) && typeof ran.cwd === 'string' && isObject(ran.env);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Tells the command to run its request itself, and ends the connection. */
export function handBack(connection: net.Socket, why: string): void {
  connection.end(`${JSON.stringify({ defer: why } satisfies DaemonFrame)}\n`);
}

export function isUmask(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0o777;
}

/** The command's terminal, relayed: what is written to it goes back as stderr frames. */
export function terminalFor(
  request: DaemonRequest,
  send: (frame: DaemonFrame) => void,
): Writable & { isTTY?: boolean; columns?: number } {
  const terminal = new Writable({
    write(chunk: Buffer | string, _encoding, done): void {
      send({ e: String(chunk) });
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  terminal.isTTY = request.isTty;
  terminal.columns = request.columns;
  return terminal;
}

/** The first line is the request; a later `{ signal }` line cancels it. */
export function readRequest(
  connection: net.Socket,
  onRequest: (request: DaemonRequest | BasisRequest | RanRequest, controller: AbortController) => void,
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
        onRequest(message as DaemonRequest | BasisRequest | RanRequest, controller);
      } else if ((message as { signal?: string }).signal) {
        controller.abort(new Error('interrupted'));
      }
    }
  });
  // The command went away (killed): stop what it asked for.
  connection.on('close', () => controller.abort(new Error('interrupted')));
  connection.on('error', () => {});
}

export function isAnswering(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export function socketInode(socket: string): number | undefined {
  try {
    return fs.statSync(socket).ino;
  } catch {
    return undefined;
  }
}
