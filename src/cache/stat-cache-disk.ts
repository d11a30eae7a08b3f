// The stat cache on disk: the file (.runner/stat-cache.bin, see
// stat-cache-file.ts) and its log (.runner/stat-cache.log), where a save
// appends what the run changed as one frame instead of rewriting the file.
// A rerun after one edited file among 100,000 changes one entry, and the
// whole file is about 10 MB. A frame is a stat cache encoding of the
// entries, listings and derived lists the run recorded, behind its length
// and a checksum that also covers the identity of the file it applies to:
// a frame cut short by a crash, or one left from before the file was
// rewritten, fails its check, and it and all after it are ignored (a loaded
// entry is only ever used for a file whose stat still matches it, so an
// entry missed costs a re-hash, never a wrong key). When the log would
// outgrow an eighth of the file or 64 frames (or holds such a rest), or a
// part of the file was found bad as it was read (a block that does not
// match its check: stat-cache-image.ts), the save rewrites the file whole
// and removes the log.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';
import { LoadedCache } from './loaded-cache.js';
import { encodeStatCache, writeStatCache } from './stat-cache-file.js';
import type { StatCacheData } from './stat-cache-file.js';
import { decodeStatCache, readStatCacheFile } from './stat-cache-image.js';

/** Bytes before a frame's payload: its length (uint32 LE) and 16 bytes of checksum. */
const FRAME_HEAD = 20;
/** Frames a log holds at most: each is decoded by every load. */
const MAX_FRAMES = 64;
/** A log may always grow to this size, however small the file it follows. */
const LOG_MIN_BYTES = 256 * 1024;

/**
 * One stat cache file and its log. `load()` once, then `save()` for each
 * change: it appends a frame while the log stays small, else rewrites.
 */
export class StatCacheDisk {
  readonly #file: string;
  readonly #log: string;
  /** identityOf(file) as loaded or last written; frames are appended for it. */
  #base = '';
  #baseBytes = 0;
  #logBytes = 0;
  #frames = 0;
  /** The log holds bytes no frame for #base accounts for: the next save rewrites. */
  #mustRewrite = true;
  /** The cache as loaded, until the file is rewritten: a part of it found bad makes the next save rewrite. */
  #loaded: LoadedCache | undefined;

  constructor(file: string) {
    this.#file = file;
    this.#log = logFileOf(file);
  }

  /**
   * The file, opened, with the log's frames over it (LoadedCache decodes each part when asked); an empty
   * cache when there is no usable file (`onBad` says why, or says it of a part found bad later).
   */
  load(onBad?: (message: string) => void): LoadedCache {
    const st = fs.statSync(this.#file, { throwIfNoEntry: false });
    this.#base = identityOfStat(st);
    this.#baseBytes = st?.size ?? 0;
    const read = readStatCacheFile(this.#file);
    if (read && 'problem' in read) onBad?.(`${this.#file}: ${read.problem}; ignoring it`);
    if (!read || !('image' in read)) return LoadedCache.empty();
    const log = readLog(this.#log, this.#base);
    this.#logBytes = log.bytes;
    this.#frames = log.frames.length;
    this.#mustRewrite = log.hasRest;
    this.#loaded = new LoadedCache(this.#file, read.image, log.frames, onBad);
    return this.#loaded;
  }

  /** Whether a part of the file as loaded was found bad since (dropped): it is to be rewritten, changed or not. */
  get isDamaged(): boolean {
    return this.#loaded?.isDamaged === true;
  }

  /** Identity of the file and its log: another process's save changes it. */
  get onDisk(): string {
    return `${identityOf(this.#file)}|${identityOf(this.#log)}`;
  }

  /**
   * Saves a change: `delta` (what changed since the last load or save) as a
   * frame of the log when it fits, else `whole` as the file, the log removed.
   */
  save(delta: () => StatCacheData, whole: () => StatCacheData): void {
    if (!this.#mustRewrite && !this.isDamaged) {
      const payload = encodeStatCache(delta());
      if (this.#frames < MAX_FRAMES && mayAppend(this.#logBytes, payload.length, this.#baseBytes)) {
        this.#logBytes += appendFrame(this.#log, this.#base, payload);
        this.#frames++;
        return;
      }
    }
    writeFileAtomic(this.#file, (fd) => writeStatCache(fd, whole()));
    // whole() decoded every part of the old file, so no more of it can be found bad.
    this.#loaded = undefined;
    fs.rmSync(this.#log, { force: true });
    this.#base = identityOf(this.#file);
    this.#baseBytes = fs.statSync(this.#file).size;
    this.#logBytes = 0;
    this.#frames = 0;
    this.#mustRewrite = false;
  }
}

/** The log beside stat cache file `file`. */
function logFileOf(file: string): string {
  return `${file.replace(/\.bin$/, '')}.log`;
}

/** size:ctime:inode of a file, '' when there is none: what a frame names its stat cache file by. */
function identityOf(file: string): string {
  return identityOfStat(fs.statSync(file, { throwIfNoEntry: false }));
}

function identityOfStat(st: fs.Stats | undefined): string {
  return st ? `${st.size}:${st.ctimeMs}:${st.ino}` : '';
}

interface LogRead {
  /** The frames that apply to the stat cache file, in the order written. */
  frames: StatCacheData[];
  /** Bytes of the log those frames fill. */
  bytes: number;
  /** Whether the log holds more than those frames (cut short, damaged or stale): it must not be appended to. */
  hasRest: boolean;
}

/** The frames of log `log` written for the stat cache file whose identity is `base`. */
function readLog(log: string, base: string): LogRead {
  let data: Buffer;
  try {
    data = fs.readFileSync(log);
  } catch {
    return { frames: [], bytes: 0, hasRest: fs.existsSync(log) };
  }
  const frames: StatCacheData[] = [];
  let at = 0;
  while (at + FRAME_HEAD <= data.length) {
    const length = data.readUInt32LE(at);
    const end = at + FRAME_HEAD + length;
    if (end > data.length) break;
    const payload = data.subarray(at + FRAME_HEAD, end);
    if (!checksum(base, payload).equals(data.subarray(at + 4, at + FRAME_HEAD))) break;
    const decoded = decodeStatCache(payload);
    if (!('data' in decoded)) break;
    frames.push(decoded.data);
    at = end;
  }
  return { frames, bytes: at, hasRest: at < data.length };
}

/** Appends `payload` (encodeStatCache's) as one frame for the stat cache file whose identity is `base`; the frame's size. */
function appendFrame(log: string, base: string, payload: Buffer): number {
  const head = Buffer.alloc(FRAME_HEAD);
  head.writeUInt32LE(payload.length, 0);
  checksum(base, payload).copy(head, 4);
  const frame = Buffer.concat([head, payload]);
  fs.appendFileSync(log, frame);
  return frame.length;
}

/** Whether a log of `logBytes` may take `more` bytes after a stat cache file of `baseBytes`. */
export function mayAppend(logBytes: number, more: number, baseBytes: number): boolean {
  return logBytes + more + FRAME_HEAD <= Math.max(LOG_MIN_BYTES, baseBytes / 8);
}

function checksum(base: string, payload: Buffer): Buffer {
  return createHash('sha256').update(base).update('\n').update(payload).digest().subarray(0, 16);
}
