// The daemon's file events as a log, so that a run it serves stats again
// only the files of an input list (VOUCHED_MIN files or more, stat-cache.ts)
// that something happened to since a pass it kept, not all of them (at
// 100,000 files the stat pass is most of a no-op: a quarter of a second on
// two threads). It vouches for a file
// only where inotify cannot have missed a change to it:
// - on Linux, on a local filesystem (local-fs.ts; not NFS, FUSE or a
//   virtual machine's shared folder, whose changes from elsewhere raise
//   no event here);
// - where the file's directory and each one above it up to the workspace
//   were watched since before the kept pass began, and each is still the
//   directory that was watched: its inode, and no event since that named
//   it (removed, moved; a directory made again can get the old one's
//   inode number back), so a directory renamed, replaced or made again is
//   stat'ed until it is watched again;
// - where no event named the file or a directory above it since that pass
//   began: an event is logged with the epoch it arrived in, and every run
//   begins a new epoch with a barrier (a write to a file of its own, whose
//   event comes after every event queued before it: inotify's queue is one
//   queue, in order), so an event for a change made before the run asked
//   is in the log before the run looks;
// - where the kernel's queue cannot have overflowed: Node drops inotify's
//   overflow event, but a queue that overflowed held max_queued_events
//   events, which libuv reads out in one turn of the event loop, so a turn
//   that brings half as many makes the log untrusted from then on (as does
//   a watcher's error or the barrier's event not coming);
// - never for a symbolic link (its target may be anywhere), a file with
//   more than one hard link when its pass stat'ed it (an edit through a
//   link in another directory raises no event in its own: MANY_LINKS,
//   stat-rows.ts), a path outside the workspace, or a pass with many stale
//   files (a whole pass then).
// What inotify does not see, nothing here can: a file given a second hard
// link after its last stat (link() raises no event in its directory) and
// changed through it, or written through a shared mmap, keeps its old stat
// in a served run until an event names it, or the daemon stops
// (RUNNER_DAEMON_TRUST=0 turns vouching off; see README).
// Runs in a process of their own stat every file, as before.
// Deleting this module, kept-passes.ts and local-fs.ts (and its uses in server.ts and prehash.ts, and
// StatCache's HashHelp.changes) leaves the daemon stat'ing every file.
import fs from 'node:fs';
import path from 'node:path';
import { listIdentity } from '../cache/list-identity.js';
import { absoluteDir, lowerBound } from '../util/sorted.js';
import { burstHere, isLocal, statOf } from './local-fs.js';
import type { PassBasis, PassChanges } from '../cache/stat-cache-types.js';
import { KeptPasses } from './kept-passes.js';
import type { Kept } from './kept-passes.js';

/** How long a barrier waits for its event before the run is served without vouching. */
const BARRIER_MS = 1000;
/** Paths logged at most; past it the log starts again, untrusted until a new pass. */
const MOST_EVENTS = 100_000;
/** A pass with more stale files than a sixteenth is a whole pass on two threads. */
const STALE_SHARE = 16;

interface Watched {
  watcher: fs.FSWatcher;
  /** The epoch its watch began in; infinite once the directory it watches may be gone (#onEvent). */
  since: number;
  /** The directory watched: a path that names another one is not watched. */
  dev: number;
  ino: number;
}

/** The barrier's directory and its watch: a barrier waits for its file's event (by name). */
interface Barrier {
  dir: string;
  watcher: fs.FSWatcher;
  waiting: Map<string, () => void>;
}

export class WatchLog {
  readonly #root: string;
  readonly #barrierDir: string;
  /** Events in one turn of the event loop that may mean inotify's queue overflowed; undefined: no vouching here. */
  readonly #burst: number | undefined;
  #epoch = 0;
  /** The last epoch in which the log may have missed an event (-1: none). */
  #lostAt = -1;
  readonly #dirs = new Map<string, Watched>();
  /** Absolute path -> the epoch of its last event. */
  readonly #events = new Map<string, number>();
  readonly #kept = new KeptPasses();
  /**
   * Directories to watch at the next barrier: those of a list kept for the first time, one found not
   * watched, or watched but another one now (#isCovered).
   */
  readonly #toWatch = new Set<string>();
  #inTurn = 0;
  #barrier: Barrier | undefined;
  #barriers = 0;
  #isClosed = false;

  /** `stateDir`: where the barrier's file is written (the workspace's .runner). */
  constructor(root: string, stateDir: string, env: Readonly<Record<string, string | undefined>> = process.env) {
    this.#root = root;
    this.#barrierDir = path.join(stateDir, 'daemon-barrier');
    this.#burst = env.RUNNER_DAEMON_TRUST === '0' ? undefined : burstHere(root);
  }

  /** Whether this workspace's events can be vouched for at all. */
  get isUsable(): boolean {
    return this.#burst !== undefined && !this.#isClosed;
  }

  /**
   * Watches `dirs` (absolute) and every directory above each up to the
   * workspace, those not watched yet; a directory watched before but no
   * longer the same one is watched again.
   */
  watch(dirs: Iterable<string>): void {
    if (!this.isUsable) return;
    const prefix = `${this.#root}/`;
    const checked = new Set<string>();
    for (const dir of dirs) {
      if (dir !== this.#root && !dir.startsWith(prefix)) continue;
      for (let at = dir; !checked.has(at); at = path.dirname(at)) {
        checked.add(at);
        const watched = this.#dirs.get(at);
        if (watched === undefined || watched.since === Number.POSITIVE_INFINITY || !this.#isSame(at, watched))
          this.#watchOne(at);
        if (at === this.#root) break;
      }
    }
  }

  /**
   * A new epoch, once every event queued before now has come: the log then
   * holds every change made before the run that follows asked. A barrier
   * whose event does not come (in BARRIER_MS) leaves this epoch untrusted.
   */
  async barrier(): Promise<void> {
    if (!this.isUsable) return;
    const barrier = this.#barrierWatch();
    const at = this.#epoch;
    if (barrier === undefined || !this.#isRootSame()) {
      this.#lose(at);
      return;
    }
    // Directories of a new list, or found unwatched or replaced, watched (the first run after is a whole pass).
    this.watch(this.#toWatch);
    this.#toWatch.clear();
    // A file of its own each time: a late event of an earlier barrier cannot end this one.
    const name = String(++this.#barriers);
    const file = path.join(barrier.dir, name);
    const isOver = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), BARRIER_MS);
      barrier.waiting.set(name, () => {
        clearTimeout(timer);
        resolve(true);
      });
      try {
        fs.writeFileSync(file, '');
      } catch {
        clearTimeout(timer);
        resolve(false);
      }
    });
    if (!isOver) {
      // Its directory removed, or made again where the watch does not see it: the next barrier watches anew.
      barrier.waiting.delete(name);
      barrier.watcher.close();
      if (this.#barrier === barrier) this.#barrier = undefined;
      this.#lose(this.#epoch);
    }
    fs.rmSync(file, { force: true });
  }

  /**
   * Whether a run now could be vouched for from each pass it keeps: false when one began before the
   * watches of its directories did (a daemon's first passes, before it watched), or before the log lost
   * track; true when it keeps none, or cannot vouch at all.
   */
  canVouchForItsPasses(): boolean {
    return !this.isUsable || this.#kept.all.every((kept) => this.#staleOf(kept) !== undefined);
  }

  /** What a run served now may build its long lists' stat passes on (HashHelp.changes). */
  changes(): PassChanges | undefined {
    if (!this.isUsable) return undefined;
    return { since: (files) => this.#since(files), keep: (files, stats, links) => this.#keep(files, stats, links) };
  }

  /**
   * What a run in the command's own process may build on, after a barrier: each kept pass whose list
   * the log can vouch for, by the list's identity (list-identity.ts), with the files to stat again.
   */
  async basis(): Promise<{ identity: string; stats: Float64Array; stale: readonly number[] }[]> {
    if (!this.isUsable || this.#kept.all.length === 0) return [];
    await this.barrier();
    const lists = [];
    for (const kept of this.#kept.all) {
      const stale = this.#staleOf(kept);
      if (stale) lists.push({ identity: listIdentity(kept.files), stats: kept.stats, stale });
    }
    return lists;
  }

  close(): void {
    this.#isClosed = true;
    for (const watched of this.#dirs.values()) watched.watcher.close();
    this.#dirs.clear();
    this.#barrier?.watcher.close();
    this.#barrier = undefined;
    this.#kept.clear();
    this.#events.clear();
  }

  #since(files: readonly string[]): PassBasis | undefined {
    const kept = this.#kept.of(files);
    const stale = kept && this.#staleOf(kept);
    return stale && { stats: (kept as Kept).stats, stale };
  }

  /** The files of a kept pass to stat again now (ascending); undefined: all of them. */
  #staleOf(kept: Kept): number[] | undefined {
    const { files } = kept;
    if (this.#lostAt >= kept.epoch) return undefined;
    const most = Math.floor(files.length / STALE_SHARE);
    const stale = new Set<number>(kept.links);
    const covered = new Map<string, boolean>();
    const { dirs, starts } = kept.runs;
    for (let run = 0; run < dirs.length; run++) {
      const dir = dirs[run] as string;
      // A path outside the workspace is never vouched for.
      if (!dir.startsWith('/') && this.#isCovered(dir, kept.epoch, covered)) continue;
      for (let i = starts[run] as number; i < (starts[run + 1] as number); i++) stale.add(i);
      if (stale.size > most) return undefined;
    }
    if (stale.size > most) return undefined;
    const rootPrefix = `${this.#root}/`;
    for (const [changed, at] of this.#events) {
      if (at < kept.epoch || !changed.startsWith(rootPrefix)) continue;
      const relative = changed.slice(rootPrefix.length);
      const exact = lowerBound(files, relative);
      if (files[exact] === relative) stale.add(exact);
      // Everything under it, if it is a directory: the paths from `relative/` up to `relative0` ('0' follows '/').
      const to = lowerBound(files, `${relative}0`);
      for (let i = lowerBound(files, `${relative}/`); i < to; i++) stale.add(i);
      if (stale.size > most) return undefined;
    }
    return [...stale].sort((a, b) => a - b);
  }

  /** Whether `relative` (a directory) and each above it were watched since before epoch `epoch`, and still are. */
  #isCovered(relative: string, epoch: number, covered: Map<string, boolean>): boolean {
    const known = covered.get(relative);
    if (known !== undefined) return known;
    const absolute = relative === '' ? this.#root : `${this.#root}/${relative}`;
    const watched = this.#dirs.get(absolute);
    const isSame = watched !== undefined && this.#isSame(absolute, watched);
    if (!isSame) this.#toWatch.add(absolute);
    let is = isSame && (watched as Watched).since < epoch;
    if (is && relative !== '') {
      const slash = relative.lastIndexOf('/');
      is = this.#isCovered(slash === -1 ? '' : relative.slice(0, slash), epoch, covered);
    }
    covered.set(relative, is);
    return is;
  }

  #keep(files: readonly string[], stats: Float64Array, links: readonly number[]): void {
    const kept = this.#kept.keep(files, stats, links, this.#epoch);
    if (!kept) return;
    // A new list's directories, which the stat cache's own entries need not hold (a long list's stats are kept beside them).
    if (kept.isNew)
      for (const dir of kept.runs.dirs) {
        const absolute = absoluteDir(dir, this.#root);
        if (!this.#dirs.has(absolute)) this.#toWatch.add(absolute);
      }
    // Events older than every kept pass can no longer make a file stale.
    const oldest = this.#kept.oldestEpoch();
    for (const [changed, epoch] of this.#events) if (epoch < oldest) this.#events.delete(changed);
  }

  #watchOne(dir: string): void {
    const old = this.#dirs.get(dir);
    if (old !== undefined) {
      // Events still queued for the old watch are dropped unseen when it closes: the burst count would miss them.
      old.watcher.close();
      this.#dirs.delete(dir);
      this.#lose(this.#epoch);
    }
    // Its identity before the watch begins: a directory replaced in between is told apart afterwards.
    const st = statOf(dir);
    if (st === undefined || (st.dev !== this.#rootDev() && !isLocal(dir))) return;
    try {
      const since = this.#epoch;
      const watcher = fs.watch(dir, { persistent: false }, (_event, name) => this.#onEvent(dir, name));
      watcher.on('error', () => {
        watcher.close();
        if (this.#dirs.get(dir)?.watcher === watcher) this.#dirs.delete(dir);
        this.#lose(this.#epoch);
      });
      this.#dirs.set(dir, { watcher, since, dev: st.dev, ino: st.ino });
    } catch {
      // Gone, unreadable or out of watches: its files are stat'ed.
    }
  }

  #onEvent(dir: string, name: string | Buffer | null): void {
    this.#counted();
    const at = this.#epoch;
    // No name: anything in it may have changed. The directory's own events (deleted, moved) name its base name.
    if (!name || String(name) === path.basename(dir)) {
      this.#log(dir, at);
      this.#mayBeGone(dir);
    }
    if (!name) return;
    const child = `${dir}/${String(name)}`;
    this.#log(child, at);
    // A watched directory removed, or another moved in its place: a directory made again under the same
    // name can have the same inode number (ext4 hands a freed one out again at once), so its identity
    // alone does not tell that the watch is on a directory that is gone.
    this.#mayBeGone(child);
  }

  /** A watched directory's watch may be on one that is gone: not vouched for until watched again (next barrier). */
  #mayBeGone(dir: string): void {
    const watched = this.#dirs.get(dir);
    if (watched === undefined) return;
    watched.since = Number.POSITIVE_INFINITY;
    this.#toWatch.add(dir);
  }

  #log(changed: string, at: number): void {
    this.#events.set(changed, at);
    if (this.#events.size > MOST_EVENTS) {
      this.#events.clear();
      this.#lose(at);
    }
  }

  /** One event more in this turn of the event loop; a turn that brings a burst may have overflowed the queue. */
  #counted(): void {
    if (++this.#inTurn === 1) setImmediate(() => (this.#inTurn = 0));
    if (this.#inTurn >= (this.#burst ?? 0)) this.#lose(this.#epoch);
  }

  #lose(at: number): void {
    this.#lostAt = Math.max(this.#lostAt, at);
  }

  /** The barrier's watch (made once), on the same inotify queue as every other watch of this thread. */
  #barrierWatch(): Barrier | undefined {
    if (this.#barrier !== undefined) return this.#barrier;
    try {
      const dir = this.#barrierDir;
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      const waiting = new Map<string, () => void>();
      const watcher = fs.watch(dir, { persistent: false }, (_event, name) => {
        this.#counted();
        const resolve = name ? waiting.get(String(name)) : undefined;
        if (resolve === undefined) return;
        waiting.delete(String(name));
        // Every event queued before the barrier's write has come: the next epoch begins now, in this callback.
        this.#epoch++;
        resolve();
      });
      watcher.on('error', () => {
        watcher.close();
        if (this.#barrier?.watcher === watcher) this.#barrier = undefined;
      });
      this.#barrier = { dir, watcher, waiting };
      return this.#barrier;
    } catch {
      return undefined;
    }
  }

  #isSame(dir: string, watched: Watched): boolean {
    const st = statOf(dir);
    return st !== undefined && st.dev === watched.dev && st.ino === watched.ino;
  }

  #rootStat: { dev: number; ino: number } | undefined;

  #rootDev(): number {
    this.#rootStat ??= statOf(this.#root);
    return this.#rootStat?.dev ?? -1;
  }

  /** Whether the workspace is still the directory it was (not moved aside and another put in its place). */
  #isRootSame(): boolean {
    const st = statOf(this.#root);
    this.#rootStat ??= st;
    return st !== undefined && st.dev === this.#rootStat?.dev && st.ino === this.#rootStat.ino;
  }
}
