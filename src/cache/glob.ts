// Glob expansion over the memoised directory listings of StatCache.
// Patterns are workspace-relative, or absolute (their files are listed by
// absolute path, in the key too); a leading `!` excludes. Directories named
// .git, .runner and node_modules are skipped unless a pattern names them.
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { isDirectoryMode, isRegularMode } from '../util/fs.js';
import { notUtf8Problem } from './dir-listings.js';
import { GlobMemo, SeenDirs } from './glob-memo.js';
import { lowerBound } from '../util/sorted.js';
import type { SeenDir, StaleMemo } from './glob-memo.js';
import { STAT_BESIDE_MIN } from './stat-beside.js';
import type { StatCache } from './stat-cache.js';

const SKIPPED_DIRS = new Set(['.git', '.runner', 'node_modules']);

interface CompiledPattern {
  isGlob: boolean;
  base: string;
  /** Matches a whole workspace-relative path. */
  isMatch: (path: string) => boolean;
  /** For a pattern whose glob part is one segment (`dir/*.txt`): matches a bare file name. */
  isNameMatch?: (name: string) => boolean;
  /** For `dir/**\/<one segment>` (`src/**\/*.ts`): a file anywhere below the base matches when its name does. */
  isDeepNameMatch?: (name: string) => boolean;
  maxDepth: number;
}

// Compiling a pattern costs far more than matching with it; a run uses the
// same few patterns for thousands of files.
const compiled = new Map<string, CompiledPattern>();

function compile(pattern: string): CompiledPattern {
  let found = compiled.get(pattern);
  if (found) return found;
  const scan = picomatch.scan(pattern);
  const isOneSegment = scan.isGlob && !scan.glob.includes('/') && !scan.glob.includes('**');
  const tail = scan.glob.startsWith('**/') ? scan.glob.slice(3) : undefined;
  const isDeepName = scan.isGlob && tail !== undefined && tail !== '' && !tail.includes('/') && !tail.includes('**');
  found = {
    isGlob: scan.isGlob,
    base: path.posix.normalize(scan.base === '' ? '.' : scan.base),
    isMatch: scan.isGlob ? matcherOf(pattern) : (p) => p === pattern,
    isNameMatch: isOneSegment ? matcherOf(scan.glob) : undefined,
    isDeepNameMatch: isDeepName && tail !== undefined ? matcherOf(tail) : undefined,
    // Without `**` a pattern cannot match deeper than its own number of segments.
    maxDepth: scan.glob.includes('**') ? Infinity : scan.glob.split('/').length,
  };
  compiled.set(pattern, found);
  return found;
}

/**
 * What picomatch(glob, { dot: true }) answers for a POSIX path, without the
 * result object and match array its matcher makes for every path it is
 * asked: its regular expression tested (a walk asks 100,000 times; the
 * matcher took 50 ms of a first run's walk, the test 8).
 */
function matcherOf(glob: string): (path: string) => boolean {
  const re = picomatch.makeRe(glob, { dot: true });
  return (p) => p !== '' && (p === glob || re.test(p));
}

export function isGlob(pattern: string): boolean {
  return compile(pattern).isGlob;
}

/** Whether a workspace-relative file matches any pattern and no `!` pattern. */
export function matchesGlobs(file: string, patterns: readonly string[]): boolean {
  const include = patterns.filter((p) => !p.startsWith('!')).map(normalise);
  const excluded = patterns.filter((p) => p.startsWith('!')).map((p) => normalise(p.slice(1)));
  return include.some((p) => compile(p).isMatch(file)) && !excluded.some((p) => compile(p).isMatch(file));
}

/** Files matching any pattern and no `!` pattern (nor `exclude`), sorted; named as their pattern names them. */
export function expandGlobs(
  stats: StatCache,
  patterns: readonly string[],
  exclude: readonly string[] = [],
): readonly string[] {
  const include = patterns.filter((p) => !p.startsWith('!')).map(normalise);
  const excluded = [...exclude, ...patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1))].map(normalise);
  // A file named outright is stat'ed, not found in a listing: nothing to keep.
  const memo = include.length > 0 && include.every(isGlob) ? GlobMemo.of(stats, [include, excluded]) : undefined;
  const isPatchable = include.length === 1 && excluded.length === 0;
  const found = memo?.readStale(isPatchable ? MOST_CHANGED_DIRS : 0);
  if (found?.changed.length === 0) return found.files;
  const patched = found && patchedWalk(stats, include[0] as string, found);
  if (patched) {
    memo?.write(patched.seen, patched.files);
    return patched.files;
  }
  const seen = new SeenDirs(stats);
  const files = expandPatterns(seen, include, excluded);
  memo?.write(seen, files);
  return files;
}

/** Directories changed since a glob memo was written that its files are patched for (patchedWalk); past them, a walk. */
const MOST_CHANGED_DIRS = 8;

/**
 * The files of one pattern's walk, from a memo of it whose directories
 * `changed` were listed anew: each changed directory's own files matched
 * again, the memo's others kept. Only when each changed directory is
 * still a directory whose subdirectories the walk would go into are the
 * ones the memo's walk went into, and holds nothing a listing does not
 * vouch for (a symlink); otherwise undefined, and the caller walks. (A
 * subdirectory gone is a changed directory that is no longer one.)
 */
function patchedWalk(
  stats: StatCache,
  pattern: string,
  memo: StaleMemo,
): { files: string[]; seen: SeenDirs } | undefined {
  const compiledPattern = compile(pattern);
  if (!compiledPattern.isGlob || compiledPattern.isNameMatch) return undefined;
  const { base, isMatch, isDeepNameMatch, maxDepth } = compiledPattern;
  const dirs = memo.dirs.map((seen): SeenDir => [...seen]);
  const walked = new Set(dirs.map(([dir]) => dir));
  const redone = new Map<string, string[]>();
  for (const k of memo.changed) {
    const [dir] = dirs[k] as SeenDir;
    const listing = typeof dir === 'string' && (dirs[k] as SeenDir).length === 3 ? stats.list(dir) : undefined;
    if (!listing || redone.has(dir)) return undefined;
    const depth = dir === base ? 1 : segments(dir) - segments(base) + 1;
    const files: string[] = [];
    for (let index = 0; index < listing.names.length; index++) {
      const name = listing.names[index] as string;
      const kind = listing.kinds[index];
      const relative = dir === '.' ? name : `${dir}/${name}`;
      const isWalked = kind === 'd' && depth < maxDepth && !(SKIPPED_DIRS.has(name) && !pattern.includes(name));
      if (kind === 'd' && isWalked !== walked.has(relative)) return undefined;
      if (kind === 'f' && depth <= maxDepth && (isDeepNameMatch ? isDeepNameMatch(name) : isMatch(relative)))
        files.push(relative);
      else if (kind !== 'f' && kind !== 'd') return undefined;
    }
    redone.set(dir, files);
    dirs[k] = [dir, listing.changedMs, listing.ino];
  }
  let files = memo.files as string[];
  for (const [dir, own] of redone) files = withOwnFiles(files, dir, own);
  const seen = new SeenDirs(stats);
  // One at a time: a tree of many directories is more than a call's arguments can hold.
  for (const dir of dirs) seen.dirs.push(dir);
  return { files, seen };
}

/** `files` (sorted) with `own`, the files directly in `dir`, in place of those it has there; sorted. */
function withOwnFiles(files: readonly string[], dir: string, own: readonly string[]): string[] {
  const prefix = dir === '.' ? '' : `${dir}/`;
  const from = lowerBound(files, prefix);
  // Paths under `dir/` sort before `dir0` ('/' is the character before '0'); `.` holds every path.
  const to = prefix === '' ? files.length : lowerBound(files, `${dir}0`);
  const below = files.slice(from, to).filter((file) => file.slice(prefix.length).includes('/'));
  return files.slice(0, from).concat(below.concat(own).sort(), files.slice(to));
}

/** How many segments a walk's directory path has ('.' none). */
function segments(dir: string): number {
  return dir === '.' ? 0 : dir.split('/').length;
}

function expandPatterns(seen: SeenDirs, include: readonly string[], excluded: readonly string[]): string[] {
  // One pattern (a map over files) lists each file once, in order: no set of 100,000 names to build.
  if (include.length === 1 && excluded.length === 0) return expandOne(seen, include[0] as string);
  const isExcluded = exclusionTest(excluded, seen.stats.root);
  const found = new Set<string>();
  for (const pattern of include) {
    for (const file of expandOne(seen, pattern)) if (!isExcluded(file)) found.add(file);
  }
  const sorted = [...found];
  return include.length > 1 ? sorted.sort() : sorted;
}

/**
 * Whether a file is excluded. A file inside the workspace has two names, its
 * workspace-relative path and its absolute one; an exclusion matches it by
 * either, so `/ws/gen/**` excludes what `**\/*.ts` lists as `gen/a.ts`, and
 * `gen/**` what `/ws/**\/*.ts` lists as `/ws/gen/a.ts`. A file above the
 * root (`../other/dist/a.ts`) is matched by its absolute name too: a glob's
 * `**` never matches a `..` segment, so `**\/dist/**` would miss it.
 */
function exclusionTest(excluded: readonly string[], root: string): (file: string) => boolean {
  if (excluded.length === 0) return () => false;
  const exclusions = excluded.map(compile);
  const hasAbsolute = excluded.some((p) => p.startsWith('/'));
  const hasRelative = excluded.some((p) => !p.startsWith('/'));
  const prefix = `${root}/`;
  return (file) => {
    if (exclusions.some((e) => e.isMatch(file))) return true;
    const isAbsolute = file.startsWith('/');
    const isAbove = file === '..' || file.startsWith('../');
    const other =
      isAbsolute && hasRelative && file.startsWith(prefix)
        ? file.slice(prefix.length)
        : !isAbsolute && (hasAbsolute || isAbove)
          ? path.posix.join(root, file)
          : undefined;
    return other !== undefined && exclusions.some((e) => e.isMatch(other));
  };
}

/**
 * `./src/x` and `src/x` name the same files. The config normalises the
 * patterns it plans, but the `!` in front of `!./src/x` hides the `./` from it.
 */
function normalise(pattern: string): string {
  let out = pattern;
  while (out.startsWith('./')) out = out.slice(2);
  return out;
}

function expandOne(seen: SeenDirs, pattern: string): string[] {
  const compiledPattern = compile(pattern);
  if (!compiledPattern.isGlob) {
    seen.isMemoable = false;
    const st = seen.stats.stat(pattern);
    return st && isRegularMode(st.mode) ? [pattern] : [];
  }
  if (compiledPattern.isNameMatch) return namesIn(seen, compiledPattern.base, compiledPattern.isNameMatch);
  return new GlobWalk(seen, pattern, compiledPattern).files();
}

/** The common `dir/*.ext` case: one listing, names matched without building paths. */
function namesIn(seen: SeenDirs, base: string, isNameMatch: (name: string) => boolean): string[] {
  const out: string[] = [];
  const listing = seen.list(base);
  if (!listing) return out;
  const prefix = base === '.' ? '' : `${base}/`;
  listing.names.forEach((name, index) => {
    const kind = listing.kinds[index];
    if (!isNameMatch(name)) return;
    if (kind === 'f') out.push(prefix + name);
    else if (kind === 'u') throw new Error(notUtf8Problem(seen.stats.absolute(base), prefix + name, name));
    else if (kind === 'o') {
      seen.isMemoable = false;
      const st = seen.stats.stat(prefix + name);
      if (st && isRegularMode(st.mode)) out.push(prefix + name);
    }
  });
  return out;
}

/** A walk of the directories below a pattern's base, over the memoised listings. */
class GlobWalk {
  readonly #seen: SeenDirs;
  readonly #pattern: string;
  readonly #compiled: CompiledPattern;
  readonly #out: string[] = [];
  readonly #realPaths = new Map<string, string | undefined>();

  constructor(seen: SeenDirs, pattern: string, compiled: CompiledPattern) {
    this.#seen = seen;
    this.#pattern = pattern;
    this.#compiled = compiled;
  }

  files(): string[] {
    this.#walk(this.#compiled.base, 1, [this.#compiled.base]);
    return this.#out.sort();
  }

  #walk(dir: string, depth: number, branch: readonly string[]): void {
    const listing = this.#seen.list(dir);
    if (!listing) return;
    const { isMatch, isDeepNameMatch, maxDepth } = this.#compiled;
    listing.names.forEach((name, index) => {
      const kind = listing.kinds[index];
      const relative = dir === '.' ? name : `${dir}/${name}`;
      if (kind === 'd') {
        if (depth < maxDepth && !this.#isSkipped(name)) this.#walk(relative, depth + 1, [...branch, relative]);
      } else if (kind === 'f') {
        if (depth <= maxDepth && (isDeepNameMatch ? isDeepNameMatch(name) : isMatch(relative))) {
          // Enough files for a long stat pass: its worker starts while the walk goes on.
          if (this.#out.push(relative) === STAT_BESIDE_MIN) this.#seen.stats.expectLongPass();
        }
      } else if (kind === 'u') {
        if (depth <= maxDepth && isMatch(relative))
          throw new Error(notUtf8Problem(this.#seen.stats.absolute(dir), relative, name));
      } else {
        // Symlink or other: follow it to see what it is (which its directory's listing does not vouch for).
        this.#seen.isMemoable = false;
        const st = this.#seen.stats.stat(relative);
        if (st && isRegularMode(st.mode) && isMatch(relative)) this.#out.push(relative);
        else if (
          st &&
          isDirectoryMode(st.mode) &&
          depth < maxDepth &&
          !this.#isSkipped(name) &&
          !this.#isLoop(relative, branch)
        ) {
          this.#walk(relative, depth + 1, [...branch, relative]);
        }
      }
    });
  }

  #isSkipped(name: string): boolean {
    return SKIPPED_DIRS.has(name) && !this.#pattern.includes(name);
  }

  /**
   * A symlinked directory is a loop when it leads to a directory this branch
   * of the walk is inside (src/up -> .., or x/toY -> y beside y/toX -> x):
   * then it is not followed. Real paths are asked only when a link shows up.
   */
  #isLoop(link: string, branch: readonly string[]): boolean {
    const target = this.#realPath(link);
    if (target === undefined) return true;
    return branch.some((dir) => {
      const real = this.#realPath(dir);
      return real === target || (real?.startsWith(`${target}${path.sep}`) ?? false);
    });
  }

  #realPath(relative: string): string | undefined {
    if (!this.#realPaths.has(relative)) {
      try {
        this.#realPaths.set(relative, fs.realpathSync(this.#seen.stats.absolute(relative)));
      } catch {
        this.#realPaths.set(relative, undefined);
      }
    }
    return this.#realPaths.get(relative);
  }
}
