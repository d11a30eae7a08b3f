// The hashes a list's stat pass answers (StatCache.hashAll and openPass
// over 8,192 files or more, and hashAll over VOUCHED_MIN in a run the
// daemon may vouch for): an unchanged file's from the stat
// cache's entries, walked in the list's order; a file the daemon hashed
// since, from the daemon; the others read on two threads (the pass's worker
// and this one), now, or while the caller goes on (LaterHashes: a cold map
// keys its blocks as their files come in). Many files read are recorded by
// their place in the list, not one entry each, and a pass that read
// SAVE_AFTER_READS files or more saves the cache once they are in.
import { hashUnstatedSync, lastWholeFile } from './hash-file.js';
import { HashColumn } from './hash-column.js';
import { KeptBytes } from './kept-bytes.js';
import { hexOf } from './file-entries.js';
import type { FileEntries, HashCounts, ListRow } from './file-entries.js';
import { LaterHashes } from './later-hashes.js';
import { LIST_MIN } from './recorded-files.js';
import { STAT_BESIDE_MIN } from './stat-beside.js';
import { FIELDS, putStat, statAt, UNSTATED } from './stat-rows.js';
import type { StatPass } from './stat-beside.js';
import type { FileStat } from './stat-cache-types.js';
import { isRegularMode } from '../util/fs.js';

/**
 * A stat pass that reads this many files or more saves the cache once
 * their hashes are in, not only at the run's end: a run killed while its
 * items run on (for minutes, after a checkout or a first run) then
 * resumes without reading them again. Its end saves only what came after.
 */
const SAVE_AFTER_READS = STAT_BESIDE_MIN;

/** A stat pass's hashes: every one in (hex, undefined where there is none), or a column that a later pass fills. */
export type PassAnswer =
  | { hashes: readonly (string | undefined)[]; later?: undefined }
  | { hashes: HashColumn; later: LaterHashes };

/** What a pass's answer takes from the stat cache it answers for. */
export interface PassHost {
  entries: FileEntries;
  counts: HashCounts;
  now(): number;
  absolute(relative: string): string;
  stat(relative: string): FileStat | undefined;
  /** The file's hash read and recorded (at its row of the list, if given); undefined when unreadable. */
  readFile(relative: string, st: FileStat, at?: ListRow): string | undefined;
  /** The daemon's hash of this stat of the file, if it has one (HashHelp.known). */
  known?: (absolute: string, st: FileStat) => string | undefined;
  /** Passes whose hashes are still being taken in (not ended): none may be open when the cache saves early. */
  laterOpen: Set<LaterHashes>;
  saveEarly(): void;
}

/**
 * The hashes of a stat pass's files; the pass ended unless they are to be read later (`isLater`), when
 * they come in a column (hash-column.ts) rather than as a string each. `keep`: the bytes read are kept
 * for the caller while it needs them (`later.kept`, kept-bytes.ts).
 */
export function answerPass(
  host: PassHost,
  files: readonly string[],
  pass: StatPass,
  isLater = false,
  keep = false,
): PassAnswer {
  const { entries } = host;
  let later: LaterHashes | undefined;
  let kept: KeptBytes | undefined;
  try {
    const many = pass.stats;
    const found = fromStats(host, files, many);
    const { toRead } = found;
    const hashes = isLater ? HashColumn.of(found.hashes) : found.hashes;
    const put =
      hashes instanceof HashColumn
        ? (i: number, hash: string | Uint8Array | undefined) => hashes.set(i, hash)
        : (i: number, hash: string | Uint8Array | undefined) => {
            hashes[i] = hash === undefined || typeof hash === 'string' ? hash : hexOf(hash);
          };
    // Many files read are recorded by their place in the list, not one map entry each; let go of when
    // the pass ends (the recorded entries keep what they hold of it; the closures here outlive the pass).
    let list = toRead.length >= LIST_MIN ? entries.listFor(files) : undefined;
    const one = new Float64Array(FIELDS);
    const hashHere = (i: number): void => {
      const file = files[i] as string;
      let st = statAt(many, i) as FileStat | undefined;
      const at = list && { list, row: i };
      let hash: string | undefined;
      if (st?.size === UNSTATED) {
        // One the pass left unstated is read through one descriptor, its stat put in the pass's answer as
        // the worker puts it; one that is not a regular file, or cannot be read, is stat'ed by its path.
        const from = host.now();
        const got = hashUnstatedSync(host.absolute(file), one);
        if (typeof got === 'string') {
          many.set(one, FIELDS * i);
          hash = entries.read(file, statAt(many, i) as FileStat, got, at, from);
        } else st = putStat(many, i, host.stat(file));
      }
      if (st?.size !== UNSTATED) hash = st && isRegularMode(st.mode) ? host.readFile(file, st, at) : undefined;
      put(i, hash);
      const bytes = kept && hash !== undefined ? lastWholeFile() : undefined;
      if (bytes) kept?.keepHere(i, bytes);
    };
    // The other thread's reads start after this.
    const from = host.now();
    const turns = pass.hashLater(
      toRead,
      hashHere,
      (i, digest) => {
        // Into a row of a long pass's list the digest's bytes go as they are; a file recorded on its own takes hex.
        const at = list && { list, row: i };
        put(i, entries.read(files[i] as string, statAt(many, i) as FileStat, at ? digest : hexOf(digest), at, from));
      },
      keep ? (hasWorker) => (kept = new KeptBytes(toRead, hasWorker)) : undefined,
    );
    const isMany = toRead.length >= SAVE_AFTER_READS;
    if (hashes instanceof HashColumn) {
      const racyBefore = entries.racyRecords;
      const open = host.laterOpen;
      const opened: LaterHashes = new LaterHashes(toRead, turns, pass, () => entries.racyRecords === racyBefore, {
        done: isMany ? () => host.saveEarly() : undefined,
        end: () => {
          open.delete(opened);
          list = undefined;
        },
        kept,
      });
      open.add(opened);
      later = opened;
      return { hashes, later };
    }
    turns.through(toRead.length);
    if (isMany) host.saveEarly();
    return { hashes };
  } finally {
    if (!later) pass.end();
  }
}

/**
 * The hashes a stat pass's answer vouches for (undefined for the others), and the files to read: the
 * regular files that changed (or that the pass left unstated), but those the daemon hashed since.
 */
function fromStats(
  host: PassHost,
  files: readonly string[],
  many: Float64Array,
): { hashes: (string | undefined)[]; toRead: number[] } {
  const { entries, counts, known } = host;
  const toRead: number[] = [];
  const freshAt = entries.passLookup();
  const hashes = files.map((file, i) => {
    // Left unstated for the hash pass (a file this cache does not know, as on a first run): read, nothing to look up.
    if (many[FIELDS * i] === UNSTATED) {
      toRead.push(i);
      return undefined;
    }
    const fresh = freshAt(file, many, i);
    if (fresh !== undefined) {
      counts.hashHits++;
      return fresh;
    }
    const st = statAt(many, i);
    if (st && isRegularMode(st.mode)) {
      const hash = known?.(host.absolute(file), st);
      if (hash !== undefined) return entries.read(file, st, hash);
      toRead.push(i);
    }
    return undefined;
  });
  return { hashes, toRead };
}

/** The hashes of a pass that was not to be read later (every one in). */
export function hashesNow(answer: PassAnswer): readonly (string | undefined)[] {
  if (answer.later) throw new Error('a pass to be read later was answered as one read now');
  return answer.hashes;
}
