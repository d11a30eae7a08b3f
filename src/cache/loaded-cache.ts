// What a stat cache loaded: its file, opened but not decoded
// (stat-cache-image.ts), with the frames of its log over it. A file's entry
// is found in the frames, then by a search of the file, until a run needs
// the entries whole (a long list's stat pass walks them in order): then the
// file's columns are decoded once, the frames merged over them. The
// listings and derived lists are each decoded when first asked for. A part
// that turns out not to be what the file's layout promised, or whose bytes
// do not match their checks (stat-cache-image.ts), is reported then, and
// that part starts empty (the file entries: those of the log's frames
// alone); the next save rewrites the file (isDamaged).
import { hashHexAt, knownSorted, LoadedFiles } from './loaded-files.js';
import { RecordedFiles } from './recorded-files.js';
import type { Stat } from './recorded-files.js';
import { emptyColumns, mergeColumns } from './stat-cache-file.js';
import type { DirEntry, StatCacheData } from './stat-cache-file.js';
import type { StatCacheImage } from './stat-cache-image.js';
import { messageOf } from '../util/errors.js';

/** The parts of a loaded file, each decoded, and dropped when bad, on its own. */
type Part = 'files' | 'dirs' | 'derived';

/**
 * Files searched for before the columns are decoded whole: a search decodes
 * a path per step (17 at 100,000 files), a walk of the decoded columns asked
 * in list order one comparison a file.
 */
const SEARCHES_MAX = 256;
/** Entries below which a cache is decoded whole when first searched: a millisecond or two, less than the searches. */
const SEARCH_MIN = 8192;

export class LoadedCache {
  readonly #file: string;
  readonly #onBad: ((message: string) => void) | undefined;
  #image: StatCacheImage | undefined;
  readonly #frames: readonly StatCacheData[];
  /** The frames' file entries (a later frame's over an earlier's), searched before the image. */
  #logged: RecordedFiles | undefined;
  #files: LoadedFiles | undefined;
  #dirs: Record<string, DirEntry> | undefined;
  #derived: Record<string, string[]> | undefined;
  #searches = 0;
  /** Parts of the image found bad: not read again. */
  readonly #bad = new Set<Part>();
  /** What was said of them, each said once (a damaged block can hold two parts). */
  readonly #said = new Set<string>();

  /** `image` undefined: no usable file (the frames then apply to nothing: a cache with none has no log). */
  constructor(
    file: string,
    image: StatCacheImage | undefined,
    frames: readonly StatCacheData[],
    onBad?: (message: string) => void,
  ) {
    this.#file = file;
    this.#image = image;
    this.#frames = image ? frames : [];
    this.#onBad = onBad;
  }

  /** An empty cache's. */
  static empty(): LoadedCache {
    return new LoadedCache('', undefined, []);
  }

  /**
   * The hash loaded for `file` when it holds for this stat (and was not racy): searched for in the file,
   * which is decoded whole only once SEARCHES_MAX files have been (a short list's files, asked one by one).
   */
  hashFor(file: string, st: Stat): string | undefined {
    this.#searches++;
    this.willSearch(0);
    if (this.#files) {
      // A list's files come in sorted order, each asked once or twice: a step forward, not a search.
      const i = this.#files.seek(file);
      return i === undefined ? undefined : this.#files.hashIf(i, st.size, st.changedMs, st.ino);
    }
    const logged = this.#loggedFiles().hashFor(file, st);
    if (logged !== undefined) return logged ?? undefined;
    return this.#fromImage(file, (image, row) => image.hashIf(row, st.size, st.changedMs, st.ino));
  }

  /**
   * The hash loaded for `file`, whatever its stat now (the daemon telling an
   * edit from a touch): searched for as hashFor() searches, so that a file
   * or two edited do not decode the columns whole (about 40 ms at 100,000
   * files, in every request after a command's own run rewrote the file).
   */
  heldHash(file: string): string | undefined {
    this.#searches++;
    this.willSearch(0);
    if (this.#files) {
      const i = this.#files.indexOf(file);
      return i === undefined ? undefined : this.#files.hashAt(i);
    }
    const logged = this.#loggedFiles();
    if (logged.has(file)) return logged.heldHash(file);
    return this.#fromImage(file, (image, row) => image.hashAt(row));
  }

  /**
   * `read` of the file's row, found by a search of the image's paths; undefined when the image holds no
   * entry of it, or a block it read is damaged (the image's entries are then dropped, and the frames
   * hold no entry of the file: none is left).
   */
  #fromImage(file: string, read: (image: StatCacheImage, row: number) => string | undefined): string | undefined {
    const image = this.#image;
    if (!image) return undefined;
    try {
      const row = image.find(file);
      return row === undefined ? undefined : read(image, row);
    } catch (error) {
      this.#drop('files', error);
      this.#files = this.#decodeFiles();
      return undefined;
    }
  }

  /** Whether a part of the file was found bad (and dropped): its next save is to rewrite it whole. */
  get isDamaged(): boolean {
    return this.#bad.size > 0;
  }

  /**
   * Says `count` files are about to be searched for: past SEARCHES_MAX (or in a cache of fewer than
   * SEARCH_MIN entries), the columns are decoded whole now.
   */
  willSearch(count: number): void {
    const image = this.#image;
    if (!this.#files && image && (image.count < SEARCH_MIN || this.#searches + count > SEARCHES_MAX))
      this.#files = this.files;
  }

  /** The entries whole, sorted by path: decoded the first time. */
  get files(): LoadedFiles {
    const files = this.#files ?? this.#decodeFiles();
    this.#files = files;
    this.#release();
    return files;
  }

  /** Entries made since (StatCache's merge of a run's records): they become the loaded ones. */
  set files(files: LoadedFiles) {
    this.#files = files;
    this.#release();
  }

  get dirs(): Record<string, DirEntry> {
    const dirs =
      this.#dirs ??
      Object.assign(this.#take('dirs', (image) => image.dirs()) ?? {}, ...this.#frames.map((f) => f.dirs));
    this.#dirs = dirs;
    this.#release();
    return dirs;
  }

  get derived(): Record<string, string[]> {
    const derived =
      this.#derived ??
      Object.assign(this.#take('derived', (image) => image.derived()) ?? {}, ...this.#frames.map((f) => f.derived));
    this.#derived = derived;
    this.#release();
    return derived;
  }

  #loggedFiles(): RecordedFiles {
    if (this.#logged) return this.#logged;
    const logged = new RecordedFiles();
    for (const frame of this.#frames) {
      const { paths, nums, racy } = frame.files;
      paths.forEach((file, i) => {
        const stat = {
          size: nums[3 * i] as number,
          changedMs: nums[3 * i + 1] as number,
          ino: nums[3 * i + 2] as number,
        };
        logged.set(file, stat, hashHexAt(frame.files, i), racy[i] === 1);
      });
    }
    this.#logged = logged;
    return logged;
  }

  #decodeFiles(): LoadedFiles {
    const loaded = new LoadedFiles(this.#take('files', (image) => image.files()) ?? emptyColumns());
    const logged = this.#loggedFiles();
    if (logged.size === 0) return loaded;
    // Both sorted (the loaded ones checked just now): the merge is too, and is not checked again.
    return new LoadedFiles(knownSorted(mergeColumns(loaded.columns, (file) => loaded.indexOf(file), logged.sorted())));
  }

  /** A part of the image, decoded; undefined when there is none or it cannot be decoded (reported, dropped). */
  #take<T>(part: Part, take: (image: StatCacheImage) => T): T | undefined {
    if (!this.#image || this.#bad.has(part)) return undefined;
    try {
      return take(this.#image);
    } catch (error) {
      this.#drop(part, error);
      return undefined;
    }
  }

  /** Drops a part found bad, saying why (once for each thing wrong). */
  #drop(part: Part, error: unknown): void {
    this.#bad.add(part);
    const message = `${this.#file}: ${messageOf(error)}; ignoring it`;
    if (this.#said.has(message)) return;
    this.#said.add(message);
    this.#onBad?.(message);
  }

  /** Drops the file's bytes once every part has been decoded from them. */
  #release(): void {
    if (this.#files && this.#dirs && this.#derived) {
      this.#image = undefined;
      this.#logged = undefined;
    }
  }
}
