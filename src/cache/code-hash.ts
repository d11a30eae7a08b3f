// The code part of a fingerprint: the `run` module, every local module it
// imports (transitively), and the package.json of every package it imports
// by name (so upgrading a dependency re-runs the stages that use it). A
// package linked into node_modules from the workspace itself (npm, yarn and
// pnpm workspaces link their packages so) is local code: the files its
// package.json points at are followed like local modules, so editing a
// workspace package reruns the stages that import it.
// Import lists are derived from content and memoised by content hash, so a
// no-op run reads no source file.
import fs from 'node:fs';
import path from 'node:path';
import { isRegularMode } from '../util/fs.js';
import { hashValue } from '../util/hash.js';
import type { StatCache } from './stat-cache.js';

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx', '.json'];
const TYPESCRIPT = /\.[mc]?tsx?$/;

export type CodeHashes = [file: string, hash: string][];

/** Workspace-relative files (and their hashes) the module at `entry` is made of; undefined hash = missing. */
export function codeHashes(stats: StatCache, entry: string): CodeHashes {
  const seen = new Map<string, string>();
  const dirs = new Listings(stats);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    const hash = stats.hash(file);
    seen.set(file, hash ?? 'missing');
    if (hash === undefined || file.endsWith('package.json') || file.endsWith('.json')) continue;
    if (TYPESCRIPT.test(file)) {
      const tsconfig = nearestTsconfig(dirs, file);
      if (tsconfig !== undefined && !seen.has(tsconfig)) queue.push(tsconfig);
    }
    const specifiers = stats.derived('imports', hash, () => importsOf(stats.absolute(file)));
    for (const specifier of specifiers) {
      const resolved = specifier.startsWith('.')
        ? resolveLocal(dirs, file, specifier)
        : resolveBare(stats, dirs, file, specifier);
      for (const found of resolved) if (found !== undefined && !seen.has(found)) queue.push(found);
    }
  }
  return [...seen].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * One hash of the code a module is made of (codeHashes, as the stage key has
 * it): what a run and a remote worker compare before the worker computes the
 * run's items with its own checkout.
 */
export function codeFingerprint(stats: StatCache, entry: string): string {
  return hashValue(codeHashes(stats, entry));
}

function importsOf(absolute: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch {
    return [];
  }
  const found = new Set<string>();
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[2] ?? '';
    if (specifier.startsWith('node:')) continue;
    found.add(specifier);
  }
  return [...found].sort();
}

/**
 * The tsconfig.json a TypeScript module is compiled under: the nearest, in
 * its directory or one above it (within the workspace). Its `paths`, `jsx`
 * and the like change what the module's code does, so it is part of the
 * code: editing it reruns the stages whose modules it governs.
 */
function nearestTsconfig(dirs: Listings, file: string): string | undefined {
  return nearestFile(dirs, file, 'tsconfig.json');
}

/**
 * Every file a relative specifier could resolve to, not only the first:
 * resolvers differ in the order they try extensions (esbuild, which
 * compiles stage modules, takes index.tsx before index.ts; Node's require
 * takes .js first), so each file that exists among the candidates is part
 * of the code, and adding one that could shadow the others changes the key.
 */
function resolveLocal(dirs: Listings, from: string, specifier: string): string[] {
  return candidatesOf(dirs, path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)));
}

/** The files among those a path to a module (with or without its extension, or a directory) could name. */
function candidatesOf(dirs: Listings, base: string): string[] {
  const stem = base.replace(/\.(m|c)?jsx?$/, '');
  const candidates = [
    base,
    ...EXTENSIONS.map((ext) => `${stem}${ext}`),
    ...EXTENSIONS.map((ext) => `${base}/index${ext}`),
  ];
  return candidates.filter((candidate) => dirs.isFile(candidate));
}

/**
 * The local files a bare specifier that is an alias could be, and the file
 * that says so: `#name` through the `imports` of the nearest package.json,
 * anything else through the `paths` of the tsconfig.json a TypeScript module
 * is compiled under (TypeScript and esbuild take those before packages).
 * Each pattern's `*` is the specifier's matching part. Patterns are read from
 * the file once per content (memoised like import lists).
 */
function resolveAlias(stats: StatCache, dirs: Listings, from: string, specifier: string): string[] {
  const isImports = specifier.startsWith('#');
  const config = isImports
    ? nearestFile(dirs, from, 'package.json')
    : TYPESCRIPT.test(from)
      ? nearestTsconfig(dirs, from)
      : undefined;
  const hash = config === undefined ? undefined : stats.hash(config);
  if (config === undefined || hash === undefined) return [];
  const aliases = stats.derived(isImports ? 'package-imports' : 'tsconfig-paths', hash, () =>
    aliasesOf(stats.absolute(config), isImports),
  );
  const found: string[] = [];
  for (const alias of aliases) {
    const [pattern = '', target = '', base = '.'] = alias.split('\0');
    const star = starOf(pattern, specifier);
    if (star === undefined) continue;
    const local = path.posix.normalize(path.posix.join(path.posix.dirname(config), base, target.replace('*', star)));
    found.push(config, ...candidatesOf(dirs, local));
  }
  return found;
}

/** What `*` in `pattern` stands for in `specifier`, '' for a pattern without one that is the specifier; undefined when it does not match. */
function starOf(pattern: string, specifier: string): string | undefined {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern === specifier ? '' : undefined;
  const [head, tail] = [pattern.slice(0, star), pattern.slice(star + 1)];
  const isMatch =
    specifier.length >= head.length + tail.length && specifier.startsWith(head) && specifier.endsWith(tail);
  return isMatch ? specifier.slice(head.length, specifier.length - tail.length) : undefined;
}

/**
 * A config's aliases as `pattern NUL target NUL base` lines: a package.json's
 * `imports` (each string a condition leads to), a tsconfig.json's
 * `compilerOptions.paths` (its targets relative to `baseUrl`, else to the
 * file's directory). A file that is not JSON (a tsconfig with comments or
 * trailing commas, once those are taken out) gives none.
 */
function aliasesOf(absolute: string, isImports: boolean): string[] {
  let config: unknown;
  try {
    config = parseLooseJson(fs.readFileSync(absolute, 'utf8'));
  } catch {
    return [];
  }
  const lines: string[] = [];
  if (isImports) {
    const imports = (config as { imports?: unknown } | null)?.imports;
    if (imports !== null && typeof imports === 'object')
      for (const [pattern, value] of Object.entries(imports))
        for (const target of stringsIn(value)) lines.push(`${pattern}\0${target}\0.`);
    return lines;
  }
  const options = (config as { compilerOptions?: { baseUrl?: unknown; paths?: unknown } } | null)?.compilerOptions;
  const base = typeof options?.baseUrl === 'string' ? options.baseUrl : '.';
  const paths = options?.paths;
  if (paths !== null && typeof paths === 'object')
    for (const [pattern, targets] of Object.entries(paths))
      for (const target of stringsIn(targets)) lines.push(`${pattern}\0${target}\0${base}`);
  return lines;
}

/** Every string in `value` (a string, or arrays and condition objects of them). */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(stringsIn);
}

/** JSON, or JSON with comments and trailing commas as tsconfig.json allows them. */
function parseLooseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        const end = stringEnd(text, i);
        out += text.slice(i, end + 1);
        i = end;
      } else if (c === '/' && text[i + 1] === '/') {
        while (i < text.length && text[i] !== '\n') i++;
        out += '\n';
      } else if (c === '/' && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        i = end === -1 ? text.length : end + 1;
      } else out += c;
    }
    return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
  }
}

/** Where the JSON string starting at `open` ends (its closing quote), or the text's last index. */
function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

/** The nearest `name` in `file`'s directory or one above it (within the workspace). */
function nearestFile(dirs: Listings, file: string, name: string): string | undefined {
  for (let dir = path.posix.dirname(file); ; dir = path.posix.dirname(dir)) {
    const candidate = dir === '.' ? name : `${dir}/${name}`;
    if (dirs.isFile(candidate)) return candidate;
    if (dir === '.' || dir === '/' || dir === '..' || dir.endsWith('/..')) return undefined;
  }
}

/**
 * Whether files exist, answered from their directories' listings (memoised
 * in the stat cache while a directory's ctime holds): the nineteen
 * candidates of an import cost a listing or two, not nineteen stats of
 * mostly missing files. Each directory is listed once per walk.
 */
class Listings {
  readonly #stats: StatCache;
  readonly #byDir = new Map<string, Map<string, string> | undefined>();

  constructor(stats: StatCache) {
    this.#stats = stats;
  }

  isFile(relative: string): boolean {
    const slash = relative.lastIndexOf('/');
    const dir = slash === -1 ? '.' : slash === 0 ? '/' : relative.slice(0, slash);
    const kind = this.#kinds(dir)?.get(relative.slice(slash + 1));
    if (kind !== 'o') return kind === 'f';
    // A symlink (or other): what it leads to decides.
    const st = this.#stats.stat(relative);
    return st !== undefined && isRegularMode(st.mode);
  }

  #kinds(dir: string): Map<string, string> | undefined {
    if (this.#byDir.has(dir)) return this.#byDir.get(dir);
    const listing = this.#stats.list(dir);
    const kinds = listing && new Map(listing.names.map((name, i) => [name, listing.kinds[i] as string]));
    this.#byDir.set(dir, kinds);
    return kinds;
  }
}

function resolveBare(stats: StatCache, dirs: Listings, from: string, specifier: string): (string | undefined)[] {
  const manifest = resolvePackage(stats, from, specifier);
  const linked = manifest === undefined ? undefined : linkedPackageDir(stats, manifest);
  const entries = linked === undefined ? [] : linkedEntries(stats, dirs, linked, specifier);
  return [manifest, ...entries, ...resolveAlias(stats, dirs, from, specifier)];
}

/**
 * The workspace-relative directory a package's node_modules entry links to,
 * when that is in the workspace and under no node_modules (a workspace
 * package); undefined for an installed package (pnpm's links lead into
 * node_modules/.pnpm).
 */
function linkedPackageDir(stats: StatCache, manifest: string): string | undefined {
  let real: string;
  try {
    real = fs.realpathSync(stats.absolute(manifest));
  } catch {
    return undefined;
  }
  const relative = path.relative(stats.root, path.dirname(real)).split(path.sep).join('/');
  const isInside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  const isLinked = isInside && relative !== path.posix.dirname(manifest);
  return isLinked && !relative.split('/').includes('node_modules') ? relative : undefined;
}

/**
 * The files of the workspace package at `dir` that `specifier` may load:
 * for the package itself every target of its package.json's `exports`
 * (each condition's), `module` and `main`, else its index; for a deep
 * import the matching `exports` targets, else the path inside it.
 */
function linkedEntries(stats: StatCache, dirs: Listings, dir: string, specifier: string): string[] {
  const manifest = `${dir}/package.json`;
  const hash = stats.hash(manifest);
  const subpath = `.${specifier.slice(packageNameOf(specifier).length)}`;
  const entries =
    hash === undefined ? [] : stats.derived('package-entries', hash, () => entriesOf(stats.absolute(manifest)));
  const targets = entries.flatMap((line) => {
    const [pattern = '', target = ''] = line.split('\0');
    const star = starOf(pattern, subpath);
    return star === undefined ? [] : [target.replace('*', star)];
  });
  if (targets.length === 0) targets.push(subpath === '.' ? 'index' : subpath);
  return targets.flatMap((target) => candidatesOf(dirs, path.posix.normalize(`${dir}/${target}`)));
}

/** A package.json's entry points as `subpath NUL target` lines: each `exports` target, `module` and `main` for '.'. */
function entriesOf(absolute: string): string[] {
  let manifest: { exports?: unknown; main?: unknown; module?: unknown } | null;
  try {
    manifest = JSON.parse(fs.readFileSync(absolute, 'utf8')) as typeof manifest;
  } catch {
    return [];
  }
  const lines: string[] = [];
  const exports = manifest?.exports;
  const isSubpaths =
    exports !== null && typeof exports === 'object' && Object.keys(exports).some((key) => key.startsWith('.'));
  if (isSubpaths)
    for (const [subpath, value] of Object.entries(exports as object))
      for (const target of stringsIn(value)) lines.push(`${subpath}\0${target}`);
  else for (const target of stringsIn(exports)) lines.push(`.\0${target}`);
  for (const field of [manifest?.module, manifest?.main]) if (typeof field === 'string') lines.push(`.\0${field}`);
  return lines;
}

function resolvePackage(stats: StatCache, from: string, specifier: string): string | undefined {
  const name = packageNameOf(specifier);
  if (name === '' || BUILTINS.has(name)) return undefined;
  for (let dir = path.posix.dirname(from); ; dir = path.posix.dirname(dir)) {
    const candidate = path.posix.normalize(`${dir}/node_modules/${name}/package.json`);
    if (stats.stat(candidate)) return candidate;
    if (dir === '.' || dir === '/' || dir === '..' || dir.endsWith('/..')) break;
  }
  return undefined;
}

/** The package a bare specifier names: `lodash` of `lodash/fp`, `@scope/pkg` of `@scope/pkg/sub`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
}

const BUILTINS = new Set([
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'events',
  'fs',
  'http',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'string_decoder',
  'timers',
  'tty',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
]);
