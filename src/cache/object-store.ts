// Content-addressed blobs under .runner/objects/<sha256>: stage outputs
// and record datasets. A blob is named by the sha256 of its raw bytes;
// compressed blobs carry a `.gz` suffix. Writes go to a temp file that is
// renamed into place, so a crash never leaves a half blob under its final
// name. A blob whose content no longer matches its name is a miss and is
// removed.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { streamPromises, zlib } from '../util/builtins.js';
import { diskError } from '../util/errors.js';
import { sha256, sha256Of } from '../util/hash.js';
import { BlobChecks } from './blob-checks.js';
import { CorruptObjectError } from './object-problem.js';
import type { ObjectProblem } from './object-problem.js';
import { statFollowed } from './raw-lstat.js';
import type { FileStat } from './stat-cache-types.js';
import { verifyingStream } from './verifying-stream.js';

let tempCounter = 0;
/** A blob up to this size is verified in one read, not streamed (a dataset's chunk). */
const SMALL_BLOB = 1024 * 1024;

export class ObjectStore {
  readonly dir: string;
  /** Directories known to exist (the store, its tmp). */
  readonly #madeDirs = new Set<string>();
  readonly #checksFile: string | undefined;
  #checksLoaded: BlobChecks | undefined;
  /** Blobs this store wrote or verified: a reader need not read them twice. */
  readonly #sound = new Set<string>();

  /** `checksFile`: where the stats of blobs known sound are kept between runs (see BlobChecks). */
  constructor(dir: string, options: { checksFile?: string } = {}) {
    this.dir = dir;
    this.#checksFile = options.checksFile;
  }

  get #checks(): BlobChecks | undefined {
    if (this.#checksFile !== undefined) this.#checksLoaded ??= new BlobChecks(this.#checksFile);
    return this.#checksLoaded;
  }

  // One flat directory: creating a directory costs as much as writing a
  // small blob, and a shard per hash prefix meant a new directory for most
  // blobs of a cold run; ext4, xfs and btrfs index large directories.
  pathOf(hash: string, isCompressed = false): string {
    return path.join(this.dir, hash + (isCompressed ? '.gz' : ''));
  }

  /** The stored file of a blob (raw or compressed), or undefined. */
  locate(hash: string): { file: string; isCompressed: boolean } | undefined {
    const raw = this.pathOf(hash);
    if (fs.existsSync(raw)) return { file: raw, isCompressed: false };
    const gz = this.pathOf(hash, true);
    if (fs.existsSync(gz)) return { file: gz, isCompressed: true };
    return undefined;
  }

  has(hash: string): boolean {
    return this.locate(hash) !== undefined;
  }

  /**
   * Puts a stage's output file in: a copy made on libuv's thread pool (a
   * reflink where the filesystem has them). A copy, not a hard link: a link
   * made the blob and the output one file, so an output edited in place
   * changed its stored copy too, for a gain measured inside the noise.
   */
  async putFileAsync(file: string, hash: string): Promise<string> {
    const target = this.#targetFor(file, hash);
    if (target === undefined) return hash;
    await this.#install(target, (temp) => fs.promises.copyFile(file, temp, fs.constants.COPYFILE_FICLONE));
    return hash;
  }

  /** Where a copy of `file` must go; undefined when a sound copy is already stored. */
  #targetFor(file: string, hash: string): string | undefined {
    // A stored blob of the wrong size is a broken copy (disk full, crash
    // before rename on a filesystem without atomic rename): replace it now
    // rather than fail the next restore. One stat; the content is checked on read.
    const existing = this.locate(hash);
    if (
      existing &&
      (existing.isCompressed || fs.statSync(existing.file, { throwIfNoEntry: false })?.size === fs.statSync(file).size)
    )
      return undefined;
    return this.pathOf(hash);
  }

  putBytes(data: Uint8Array | string, options: { compress?: boolean } = {}): string {
    const raw = typeof data === 'string' ? Buffer.from(data) : data;
    const hash = sha256(raw);
    if (!this.has(hash)) this.#write(hash, raw, options.compress === true);
    return hash;
  }

  /**
   * Puts in a blob this store vouches for (a dataset's chunk): a stored copy
   * not known sound is replaced. `data` may come in parts (a piece of an
   * item manifest's sections), joined only when the blob must be written.
   */
  putSound(data: Uint8Array | readonly Uint8Array[], options: { compress?: boolean } = {}): string {
    const hash = data instanceof Uint8Array ? sha256(data) : sha256Of(data);
    if (this.isKnownSound(hash)) {
      this.#sound.add(hash);
      return hash;
    }
    const bytes = data instanceof Uint8Array ? data : Buffer.concat(data);
    const target = this.#write(hash, bytes, options.compress === true);
    fs.rmSync(this.pathOf(hash, options.compress !== true), { force: true });
    this.#vouch(hash, target);
    return hash;
  }

  /**
   * A small blob's raw bytes, read whole and not hashed; undefined when it
   * cannot be read. Only for bytes the caller compares with what it expects
   * (a chunk damaged into exactly those bytes is not a case to provide for),
   * and reads verified where they differ.
   */
  readUnverified(hash: string): Buffer | undefined {
    const found = this.locate(hash);
    if (!found) return undefined;
    try {
      const data = fs.readFileSync(found.file);
      return found.isCompressed ? zlib().gunzipSync(data) : data;
    } catch {
      return undefined;
    }
  }

  /** A small blob's raw bytes, read whole and verified (a corrupt one is removed). */
  readVerified(hash: string): Buffer | ObjectProblem {
    const found = this.locate(hash);
    if (!found) return { kind: 'missing' };
    let data: Buffer;
    try {
      data = fs.readFileSync(found.file);
      if (found.isCompressed) data = zlib().gunzipSync(data);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      this.#discard(hash, found.file);
      return { kind: 'corrupt', actual: `not valid gzip: ${(error as Error).message}` };
    }
    return this.#verdict(hash, found.file, sha256(data)) ?? data;
  }

  /**
   * A blob of `bytes` bytes read into `target` at `offset` and verified there
   * (an item manifest's pieces, read into one buffer instead of each into
   * its own and then joined); a corrupt one is removed. A blob that is
   * sound but of another size is a problem too (`corrupt`: what said
   * `bytes` is wrong), and is kept.
   */
  readVerifiedInto(hash: string, target: Buffer, offset: number, bytes: number): ObjectProblem | undefined {
    const found = this.locate(hash);
    if (!found) return { kind: 'missing' };
    const size = found.isCompressed ? undefined : statFollowed(found.file)?.size;
    if (size !== bytes) {
      // Compressed, gone since, or of another size: read the usual way.
      const read = this.readVerified(hash);
      if (!Buffer.isBuffer(read)) return read;
      if (read.length !== bytes)
        return { kind: 'corrupt', actual: `${read.length} bytes where ${bytes} were expected` };
      read.copy(target, offset);
      return undefined;
    }
    let fd: number;
    try {
      fd = fs.openSync(found.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
    let at = 0;
    try {
      while (at < bytes) {
        const read = fs.readSync(fd, target, offset + at, bytes - at, at);
        if (read === 0) break;
        at += read;
      }
    } finally {
      fs.closeSync(fd);
    }
    return this.#verdict(
      hash,
      found.file,
      at === bytes ? sha256(target.subarray(offset, offset + bytes)) : `${at} bytes`,
    );
  }

  /** What a blob read from `file` is, given what its bytes hashed to (`actual`): sound (vouched for), or corrupt (removed). */
  #verdict(hash: string, file: string, actual: string): ObjectProblem | undefined {
    if (actual !== hash) {
      this.#discard(hash, file);
      return { kind: 'corrupt', actual };
    }
    if (!this.#sound.has(hash)) this.#vouch(hash, file);
    return undefined;
  }

  /**
   * Moves a finished temp file (a dataset written as a stream, hashed as it
   * was written) in under its hash. It replaces a blob of that name: that one
   * may be a corrupt copy, and checking it would cost a read where the rename costs nothing.
   */
  adopt(tempFile: string, hash: string, isCompressed = false): void {
    const target = this.pathOf(hash, isCompressed);
    this.#ensureDir(path.dirname(target));
    fs.renameSync(tempFile, target);
    fs.rmSync(this.pathOf(hash, !isCompressed), { force: true });
    this.#vouch(hash, target);
  }

  /** A temp path inside the store (same filesystem, so adopt() is a rename). */
  tempPath(): string {
    const dir = path.join(this.dir, 'tmp');
    this.#ensureDir(dir);
    return path.join(dir, `${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /**
   * The raw bytes of a blob as a stream, verified while they flow: when the
   * content does not match the name, the stream errors at its end with a
   * CorruptObjectError and the blob is removed.
   */
  openRead(hash: string): Readable | undefined {
    const found = this.locate(hash);
    if (!found) return undefined;
    return verifyingStream(found, hash, (actual) => {
      this.#discard(hash, found.file);
      return new CorruptObjectError(hash, actual);
    });
  }

  /**
   * Whether a blob is here and sound, read only when its stat changed since
   * this workspace wrote or verified it (BlobChecks); a corrupt one is removed.
   */
  async problemOf(hash: string): Promise<ObjectProblem | undefined> {
    const st = this.#stat(hash);
    if (!st) return { kind: 'missing' };
    return this.#checks?.isSound(hash, st) ? undefined : this.verifyBeforeRead(hash);
  }

  /** Whether a blob is here with the stat it had when last known sound (no read; see problemOf). */
  isKnownSound(hash: string): boolean {
    const st = this.#stat(hash);
    return st !== undefined && (this.#checks?.isSound(hash, st) === true || this.#sound.has(hash));
  }

  /** One stat, not a look for the file first: a dataset has a blob per chunk (a no-op checks each), so no Stats object either. */
  #stat(hash: string): FileStat | undefined {
    return statFollowed(this.pathOf(hash)) ?? statFollowed(this.pathOf(hash, true));
  }

  /** Verifies a blob before its content is used, unless this store wrote or verified it already. */
  async verifyBeforeRead(hash: string): Promise<ObjectProblem | undefined> {
    return this.#sound.has(hash) && this.has(hash) ? undefined : this.verify(hash);
  }

  /** Keeps the stats of the blobs known sound for the next run. */
  saveChecks(): void {
    this.#checksLoaded?.save((hash) => this.has(hash));
  }

  /** Checks a blob, removing it when corrupt: a small one (a dataset's chunk) in one read, a bigger one streamed. */
  async verify(hash: string): Promise<ObjectProblem | undefined> {
    const size = this.#stat(hash)?.size;
    if (size !== undefined && size <= SMALL_BLOB) {
      const read = this.readVerified(hash);
      return Buffer.isBuffer(read) ? undefined : read;
    }
    const stream = this.openRead(hash);
    if (!stream) return { kind: 'missing' };
    try {
      for await (const _chunk of stream) {
        // reading is the check
      }
    } catch (error) {
      return error instanceof CorruptObjectError ? { kind: 'corrupt', actual: error.actual } : { kind: 'missing' };
    }
    const found = this.locate(hash);
    if (found) this.#vouch(hash, found.file);
    return undefined;
  }

  /**
   * Verifies a blob while writing it to `file` (atomically). The temp file is
   * in the store's tmp directory, where what a kill leaves is swept: beside
   * the output, it stayed in the workspace, and a glob over the outputs' directory
   * (a downstream stage's `inputs`, an `out/**` output) took it in. Beside
   * the output only when the two are on different filesystems.
   */
  async restoreTo(hash: string, file: string, mode?: number): Promise<ObjectProblem | undefined> {
    if (!this.has(hash)) return { kind: 'missing' };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const stream = this.openRead(hash);
    if (!stream) return { kind: 'missing' };
    let temp = `${this.tempPath()}.tmp`;
    try {
      // Opened here, not by the stream: a stream opens its file asynchronously,
      // so a blob that fails at once (bad gzip) could create the temp file
      // after the cleanup below had already run.
      const fd = fs.openSync(temp, 'w');
      await streamPromises().pipeline(stream, fs.createWriteStream(temp, { fd }));
      if (mode !== undefined) fs.chmodSync(temp, mode & 0o7777);
      try {
        fs.renameSync(temp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        const beside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        fs.copyFileSync(temp, beside);
        fs.rmSync(temp, { force: true });
        temp = beside;
        fs.renameSync(beside, file);
      }
      return undefined;
    } catch (error) {
      stream.destroy();
      fs.rmSync(temp, { force: true });
      if (error instanceof CorruptObjectError) return { kind: 'corrupt', actual: error.actual };
      // Removed between locate() and the read (a concurrent prune): a miss like any other.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
  }

  remove(hash: string): void {
    this.#discard(hash, this.pathOf(hash));
    fs.rmSync(this.pathOf(hash, true), { force: true });
  }

  /** Stores `data` under `hash` (atomically); returns its file. */
  #write(hash: string, data: Uint8Array, compress: boolean): string {
    const target = this.pathOf(hash, compress);
    this.#install(target, (temp) => fs.writeFileSync(temp, compress ? zlib().gzipSync(data) : data));
    return target;
  }

  /** Notes that the blob of `hash`, stored in `file`, is sound now (for this run, and by its stat for the next). */
  #vouch(hash: string, file: string): void {
    this.#sound.add(hash);
    this.#checks?.remember(hash, file);
  }

  /** Removes a stored file of a blob and whatever said it was sound. */
  #discard(hash: string, file: string): void {
    this.#sound.delete(hash);
    this.#checks?.forget(hash);
    fs.rmSync(file, { force: true });
  }

  /**
   * Writes a blob under its final name atomically: `write` fills a temp file
   * beside it, which is then renamed into place, or removed if anything fails.
   */
  #install(target: string, write: (temp: string) => void): void;
  #install(target: string, write: (temp: string) => Promise<void>): Promise<void>;
  #install(target: string, write: (temp: string) => void | Promise<void>): void | Promise<void> {
    const temp = this.#tempFor(target);
    const discard = (error: unknown): never => {
      fs.rmSync(temp, { force: true });
      throw diskError(error, 'the cache object', target);
    };
    try {
      const written = write(temp);
      if (written instanceof Promise) return written.then(() => fs.renameSync(temp, target)).catch(discard);
      fs.renameSync(temp, target);
    } catch (error) {
      discard(error);
    }
  }

  /** In objects/tmp, named for this process, so what a kill leaves is swept (temp-sweep.ts) without listing every blob. */
  #tempFor(target: string): string {
    this.#ensureDir(path.dirname(target));
    return `${this.tempPath()}-${++tempCounter}.tmp`;
  }

  #ensureDir(dir: string): void {
    if (this.#madeDirs.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true });
    this.#madeDirs.add(dir);
  }
}
