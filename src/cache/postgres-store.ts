// The Postgres backend of the shared cache store (postgres:// or
// postgresql:// URLs): Keyv over @keyv/postgres, in one table, runner_cache
// (key VARCHAR(1024) PRIMARY KEY, value TEXT), created on first use if the
// role may; a role that may only read and write it (or only read it, for
// pull requests) works once it exists.
//
// Each store has a connection pool of its own. The adapter's own pool is one
// per process, shared by every adapter and ended by whichever disconnects
// first, and nothing listens for its errors: a server that went away under
// an idle connection threw an uncaught 'error' and killed the run. So the
// adapter is given this store's pool, which listens, and bounds connecting
// and every query itself.
import type Keyv from 'keyv';
import type { KeyvOptions } from 'keyv';
import type { KeyvPostgresOptions } from '@keyv/postgres';
import type { Client, Pool } from 'pg';
import { withDeadline } from '../util/deadline.js';
import { requirePackage } from '../util/require.js';

export interface PostgresStoreOptions {
  /** Keyv's options but the store (namespace, serializer...). */
  keyv: Omit<KeyvOptions, 'store'>;
  /** How long connecting and a first query may take before the store is given up. */
  connectTimeoutMs: number;
  /** How long any later query (or waiting for a pooled connection) may take. */
  commandTimeoutMs: number;
  /** Told the Keyv before any of its commands runs (to listen for its errors). */
  onOpen(keyv: Keyv): void;
}

export const TABLE = 'runner_cache';

/** Keys are at most this long: a stage's key with its kind, or a memo key of a few hundred characters. */
const KEY_SIZE = 1024;

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

/**
 * A Keyv over the database at `url`, once a connection has answered within
 * the connect timeout; otherwise throws (the caller names the URL).
 */
export async function openPostgres(url: string, options: PostgresStoreOptions): Promise<Keyv> {
  const pg = requirePackage('pg') as typeof import('pg');
  const client = new pg.Client({ connectionString: url, application_name: 'runner' });
  const hasTable = await probe(client, options.connectTimeoutMs);
  const pool = new pg.Pool({
    connectionString: url,
    application_name: 'runner',
    // Waiting for a free connection, or for a new one, counts against the command.
    connectionTimeoutMillis: options.commandTimeoutMs,
    // A query past its deadline drops its connection, so a hung server never
    // holds one for good. (No statement_timeout: sent at connect, it is
    // refused by PgBouncer, which often stands before managed databases.)
    query_timeout: options.commandTimeoutMs,
    // Idle connections never keep the process alive.
    allowExitOnIdle: true,
  });
  // An idle connection the server closed (a restart, a proxy's idle limit)
  // is dropped by the pool, and the next command connects again; if that
  // fails, the command reports it. Nothing was missed, nothing to say.
  pool.on('error', () => {});
  const { Keyv } = await import('keyv');
  const keyv = new Keyv({ store: pooledAdapter(pool, { url, hasTable }), ...options.keyv });
  options.onOpen(keyv);
  return keyv;
}

/**
 * Connects `client` and asks whether the table exists, within `ms`, then
 * closes it; a client that did not make it is destroyed, and the error thrown.
 */
async function probe(client: Client, ms: number): Promise<boolean> {
  // After a failure the client may still emit one; it is reported by the throw below.
  client.on('error', () => {});
  let hasTable: boolean;
  try {
    const exists = `SELECT to_regclass('public.${TABLE}') IS NOT NULL AS "hasTable"`;
    const { rows } = await withDeadline(
      client.connect().then(() => client.query<{ hasTable: boolean }>(exists)),
      ms,
      () => {},
    );
    hasTable = rows[0]?.hasTable === true;
  } catch (error) {
    client.connection.stream.destroy();
    throw error;
  }
  await client.end();
  return hasTable;
}

/** A KeyvPostgres that works through `pool`, and ends it on disconnect. */
function pooledAdapter(
  pool: Pool,
  options: { url: string; hasTable: boolean },
): InstanceType<typeof import('@keyv/postgres').KeyvPostgres> {
  const { KeyvPostgres } = requirePackage('@keyv/postgres') as typeof import('@keyv/postgres');
  type Query = Awaited<ReturnType<InstanceType<typeof KeyvPostgres>['connect']>>;
  type Entries = Parameters<InstanceType<typeof KeyvPostgres>['setMany']>[0];
  class PooledKeyvPostgres extends KeyvPostgres {
    // Called by the constructor, whose first statement creates the table.
    // When the table exists that statement is skipped: CREATE needs a
    // privilege a read-only role (for pull requests) has not, even for a
    // table that exists.
    override async connect(): Promise<Query> {
      return async (sql, values) =>
        options.hasTable && sql.startsWith('CREATE') ? [] : (await pool.query(sql, values)).rows;
    }

    override async disconnect(): Promise<void> {
      await pool.end();
    }

    // One upsert may not touch a row twice ("ON CONFLICT DO UPDATE command
    // cannot affect row a second time"): of a key given twice, the last
    // value wins, as it would written in order.
    override async setMany(entries: Entries): Promise<void> {
      await super.setMany([...new Map(entries.map((entry) => [entry.key, entry])).values()]);
    }
  }
  const adapterOptions: KeyvPostgresOptions = { uri: options.url, table: TABLE, keySize: KEY_SIZE };
  return new PooledKeyvPostgres(adapterOptions);
}
