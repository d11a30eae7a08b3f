// The SQLite backend of the cache store (.runner/cache.sqlite), and its
// repair. A database file that was cut short, overwritten or never was one
// fails every statement, in every run, until someone deletes it by hand. The
// cache is only a cache: such a file is moved aside (kept for a post-mortem
// as <file>.corrupt-<time>) and an empty store takes its place, once, with
// one warning that says where the old file went.
import fs from 'node:fs';
import path from 'node:path';
import type Keyv from 'keyv';
import type { KeyvOptions } from 'keyv';
import { messageOf } from '../util/errors.js';
import { requirePackage } from '../util/require.js';

/** SQLite's codes for a file that is damaged or is not a database at all. */
const DAMAGED_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

export function isDamagedDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && DAMAGED_CODES.has(code);
}

export interface SqliteStoreOptions {
  /** Keyv's options but the store (namespace, serializer...). */
  keyv: Omit<KeyvOptions, 'store'>;
  /**
   * Whether a damaged file is replaced. A host whose warnings may be dropped
   * (the daemon, which can hand a run back) leaves it to the command that
   * runs next, so the warning is never lost: there it is one more failure.
   */
  isRepairable: boolean;
  /** Told what a repair did, or why it could not. */
  warn(message: string): void;
  /** Told every Keyv opened (the first, and the one after a repair). */
  onOpen(keyv: Keyv): void;
}

/** A Keyv over a SQLite file that replaces a damaged file (isDamagedDatabase) by an empty one. */
export class SqliteStore {
  readonly #file: string;
  readonly #options: SqliteStoreOptions;
  #keyv: Keyv;
  /** The inode of the file #keyv opened: another process may have replaced the file since. */
  #ino: number | undefined;
  #isRepairable: boolean;
  #repair: Promise<void> | undefined;

  private constructor(file: string, options: SqliteStoreOptions, keyv: Keyv, ino: number | undefined) {
    this.#file = file;
    this.#options = options;
    this.#keyv = keyv;
    this.#ino = ino;
    this.#isRepairable = options.isRepairable;
    options.onOpen(keyv);
  }

  /** Opens the store in `file` (creating it); a damaged file is moved aside first. */
  static async open(file: string, options: SqliteStoreOptions): Promise<SqliteStore> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const ino = inodeOf(file);
    try {
      return new SqliteStore(file, options, await connectSqlite(file, options.keyv), ino ?? inodeOf(file));
    } catch (error) {
      if (!options.isRepairable || !isDamagedDatabase(error)) throw error;
      const keyv = await replaceDamaged(file, ino, error, options);
      return new SqliteStore(file, options, keyv, inodeOf(file));
    }
  }

  get keyv(): Keyv {
    return this.#keyv;
  }

  /** Whether this store deals with `error` itself (a repair, and its warning): no need to report it too. */
  absorbs(error: unknown): boolean {
    return this.#isRepairable && isDamagedDatabase(error);
  }

  /**
   * After an operation on `keyv` failed with `error`: a damaged database
   * (found only now, past the pages that opening it reads) is replaced, once
   * however many operations fail on it; later operations use the new one.
   */
  async failed(error: unknown, keyv: Keyv): Promise<void> {
    if (!this.absorbs(error) || keyv !== this.#keyv) return;
    this.#repair ??= this.#replace(error).finally(() => {
      this.#repair = undefined;
    });
    await this.#repair;
  }

  async #replace(error: unknown): Promise<void> {
    const old = this.#keyv;
    try {
      this.#keyv = await replaceDamaged(this.#file, this.#ino, error, this.#options);
    } catch (repairError) {
      // Said once; the old store stays, each of its failures a reported miss.
      this.#isRepairable = false;
      this.#options.warn(messageOf(repairError));
      return;
    }
    this.#ino = inodeOf(this.#file);
    this.#options.onOpen(this.#keyv);
    await disconnect(old);
  }
}

/**
 * Moves the damaged database `file` aside, unless it is no longer the file
 * that was opened (inode `ino`: another process has replaced it already),
 * then opens a new one. Says what it did through `options.warn`; throws
 * when the file cannot be moved.
 */
async function replaceDamaged(
  file: string,
  ino: number | undefined,
  damage: unknown,
  options: SqliteStoreOptions,
): Promise<Keyv> {
  if (ino === undefined || inodeOf(file) === ino) {
    let aside: string;
    try {
      aside = moveAside(file);
    } catch (error) {
      throw new Error(`${file} is damaged (${messageOf(damage)}) and could not be moved aside: ${messageOf(error)}`);
    }
    options.warn(`the database is damaged (${messageOf(damage)}): moved it to ${aside} and started an empty cache`);
  }
  return connectSqlite(file, options.keyv);
}

/** Renames `file`, with its write-ahead log and shared-memory index, to `<file>.corrupt-<time>`. */
function moveAside(file: string): string {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[-:.]/g, '')}`;
  fs.renameSync(file, aside);
  // A log left behind would be replayed into the new database.
  for (const suffix of ['-wal', '-shm']) {
    try {
      fs.renameSync(`${file}${suffix}`, `${aside}${suffix}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fs.rmSync(`${file}${suffix}`, { force: true });
    }
  }
  return aside;
}

function inodeOf(file: string): number | undefined {
  return fs.statSync(file, { throwIfNoEntry: false })?.ino;
}

async function disconnect(keyv: Keyv): Promise<void> {
  try {
    await keyv.disconnect();
  } catch {
    // closing a broken connection has nothing left to report
  }
}

/**
 * Opens `file` in WAL mode. The statements here read the file's header and
 * schema, so a file cut short or not a database fails now (isDamagedDatabase).
 */
async function connectSqlite(file: string, options: Omit<KeyvOptions, 'store'>): Promise<Keyv> {
  const { Keyv } = await import('keyv');
  const { KeyvSqlite } = requirePackage('@keyv/sqlite') as typeof import('@keyv/sqlite');
  // A connection whose first statement failed cannot be closed (the adapter's
  // close waits on that statement): it is left to the garbage collector.
  const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 });
  // WAL with NORMAL sync: a commit is durable against a process crash and
  // costs no fsync per write, which matters for one write per stage.
  await adapter.query('PRAGMA journal_mode=WAL');
  await adapter.query('PRAGMA synchronous=NORMAL');
  addBatchedSetMany(adapter);
  return new Keyv({ store: adapter, ...options });
}

const ROWS_PER_INSERT = 400; // 2 parameters a row, under SQLite's default limit of 999

/**
 * @keyv/sqlite has no setMany, so Keyv would send one INSERT (one
 * transaction) per entry: a map stage saving 20,000 item results made
 * 20,000 round trips to SQLite. This one sends one multi-row upsert per 400.
 */
function addBatchedSetMany(adapter: {
  query(sql: string, ...params: unknown[]): Promise<unknown>;
  opts: { table?: string };
}): void {
  const table = adapter.opts.table ?? 'keyv';
  Object.assign(adapter, {
    async setMany(entries: { key: string; value: unknown }[]): Promise<boolean[]> {
      for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
        const rows = entries.slice(start, start + ROWS_PER_INSERT);
        const sql = `INSERT INTO ${table} (key, value) VALUES ${rows.map(() => '(?, ?)').join(', ')} ON CONFLICT(key) DO UPDATE SET value=excluded.value`;
        await adapter.query(sql, ...rows.flatMap((row) => [row.key, row.value]));
      }
      return entries.map(() => true);
    },
  });
}
