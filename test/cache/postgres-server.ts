// A real PostgreSQL server for the store contract and the shared-cache tests:
// a fresh cluster (initdb) in a temp directory, on a free port of 127.0.0.1,
// no Unix socket, fsync off. A missing binary is an error, never a skip: CI
// installs PostgreSQL, so a green run must have tested it.
//
// Postgres refuses to run as root. As root (a container, CI), initdb and the
// server run as the `postgres` user (or nobody), which owns the directory.
// Clients log in with a password (scram-sha-256), so a URL in a message
// always has one to redact.
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnUntilReady } from './server-process.js';

export interface PostgresServer {
  /** postgres://runner:<password>@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  password: string;
  /** Stops the server at once (an immediate shutdown, as a crash would) and waits for it to exit. */
  stop(): Promise<void>;
}

export const POSTGRES_PASSWORD = 'pg-test-secret';

/** The directory holding initdb and postgres: on PATH, else Debian's /usr/lib/postgresql/<version>/bin (newest). */
export function findPostgresBin(): string {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  let versions: string[] = [];
  try {
    versions = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  } catch {
    // not Debian's layout
  }
  const candidates = [...onPath, ...versions.map((v) => path.join('/usr/lib/postgresql', v, 'bin'))];
  const found = candidates.find(
    (dir) => isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'postgres')),
  );
  if (found) return found;
  throw new Error(
    'PostgreSQL is not installed (no initdb and postgres on PATH or in /usr/lib/postgresql/*/bin). The Postgres ' +
      'cache backend must be tested: install it (Debian: apt-get install -y postgresql) and run the tests again.',
  );
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Who runs initdb and postgres: ourselves, or an unprivileged user when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = fs.readFileSync('/etc/passwd', 'utf8');
  const entry = /^postgres:[^:]*:(\d+):(\d+):/m.exec(passwd);
  return entry ? { uid: Number(entry[1]), gid: Number(entry[2]) } : { uid: 65534, gid: 65534 };
}

/**
 * A new cluster in `dir`/data, its superuser `runner` logging in over TCP
 * with POSTGRES_PASSWORD; the directory is removed if initdb fails.
 */
function initCluster(bin: string, dir: string, asUser: SpawnSyncOptions): string {
  const data = path.join(dir, 'data');
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${POSTGRES_PASSWORD}\n`);
  if (asUser.uid !== undefined) fs.chownSync(passwordFile, asUser.uid, asUser.gid ?? asUser.uid);
  const args = ['-D', data, '-U', 'runner', `--pwfile=${passwordFile}`, '--auth-host=scram-sha-256'];
  const init = spawnSync(path.join(bin, 'initdb'), [...args, '--auth-local=trust', '--no-sync'], {
    ...asUser,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
    timeout: 60_000,
  });
  if (init.status === 0) return data;
  fs.rmSync(dir, { recursive: true, force: true });
  const reason = init.error?.message ?? `exit code ${init.status}`;
  throw new Error(`initdb failed (${reason}):\n${init.stdout}${init.stderr}`);
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  const user = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-postgres-'));
  if (user) fs.chownSync(dir, user.uid, user.gid);
  const asUser = { cwd: dir, ...user };
  const data = initCluster(bin, dir, asUser);
  const port = await freePort();
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
  };
  const args = ['-D', data, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const started = spawnUntilReady(`postgres on port ${port}`, path.join(bin, 'postgres'), args, {
    ready: 'database system is ready to accept connections',
    spawn: asUser,
  });
  const { child, exited } = await started.catch((error: unknown) => {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url: `postgres://runner:${POSTGRES_PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    password: POSTGRES_PASSWORD,
    stop: async () => {
      // SIGQUIT: immediate shutdown; the server ends every connection at once.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
