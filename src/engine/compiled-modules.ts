// Stage modules in TypeScript, compiled once to JavaScript that Node imports
// itself. tsx's loader costs about 250 ms in every process and worker
// thread that imports TypeScript (its hooks thread starts, then each import
// crosses to it); a compiled module costs a read and a hash per file.
//
// Each local TypeScript file of a stage's module graph becomes one module in
// .runner/modules/, named after the file's path, so modules that import each
// other still share one graph. It is an ES module where Node (and tsx) would
// treat the file as one (.mts, or a package.json with "type": "module"), and
// CommonJS otherwise, with tsx's interop (both are esbuild's). Its imports are
// rewritten to the compiled files of local TypeScript, or to the resolved
// file of anything else (JavaScript, a package); import.meta.url, dirname,
// filename, __dirname and __filename keep naming the source file; a local
// JSON module is compiled in (Node would want an import attribute that
// esbuild drops). Its first line stamps what it was compiled from: the
// source's hash, the local TypeScript it imports, and the size and ctime of
// each JSON module compiled in, each package.json a package import resolved
// through and each directory a relative import was resolved in (a file
// added beside `./lib/index.ts` as `./lib.ts` changes what `./lib` names),
// and the node_modules/<name> nearer than the one a package resolved in.
// A stamp that no longer holds compiles the file again, and so does one
// taken while a file it names had just changed (its size and ctime too
// recent to trust, as with the stat cache's racy entries).
//
// What this does not model falls back to tsx for the whole entry: any other
// import.meta, an import() or require() of a computed specifier,
// require.resolve, a source that went missing, a directory that cannot be
// written, and anything esbuild refuses (tsx then reports the error as
// before). Deleting this module and its one call in module-loader.ts leaves
// every stage on tsx.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { packageNameOf } from '../cache/code-hash.js';
import { isRacy } from '../cache/recorded-files.js';
import { removeWhere } from '../cache/temp-sweep.js';
import { readJsonOrUndefined, writeFileAtomic } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import { importModule, requirePackage } from '../util/require.js';

/** Changes whenever the compile options or the stamp change, so older compiled files are all stale. */
const FORMAT = 'runner-compiled 8';
const TYPESCRIPT = /\.[mc]?tsx?$/;
/** What is left of import.meta once url, dirname and filename are replaced; what resolves from where the code runs. */
const UNMODELLED = /\bimport\.meta\b|\b(import|require)\s*\(\s*[^'"`\s)]|\brequire\.resolve\b/;

interface Stamp {
  /** The source file (absolute): `runner cache prune` removes compiled files whose source is gone. */
  path: string;
  source: string;
  /** Local TypeScript files it imports (absolute). */
  modules: string[];
  /**
   * [path, size and ctime] of each JSON module compiled in, each package.json
   * a package import resolved through, and each directory a relative import
   * was resolved in (adding or removing a file there, which could change
   * what the import names, changes the directory's ctime); 'missing' for
   * each node_modules/<name> nearer than the one a package resolved in.
   */
  files: [string, string][];
  /**
   * One of those files had changed too recently to trust its size and ctime
   * (it could change again within the same tick, unseen): the stamp
   * holds for nothing, and the next run compiles again.
   */
  racy?: true;
  /**
   * The sha256 of the compiled code after this line: a compiled file cut
   * short or edited (by hand, by a disk) no longer matches it and is
   * compiled again, never run.
   */
  body?: string;
}

/** Thrown for a module this compiler does not model: the loader falls back to tsx. */
export class NotCompiled extends Error {}

/** Source files checked in this process (→ the local TypeScript they import): a graph is checked once, not per stage. */
const checked = new Map<string, Promise<string[]>>();
/** Compiled file → source file, to name sources in Node's errors. */
const sources = new Map<string, string>();

/**
 * Imports `absolute` (a TypeScript module) through its compiled files in
 * `dir`, compiling what changed. Throws NotCompiled when tsx must load it.
 */
export async function importCompiled(absolute: string, dir: string): Promise<Record<string, unknown>> {
  // As Node's own loader does: a module is its real path, which decides its package too.
  const real = fs.realpathSync(absolute);
  await ensureGraph(real, dir);
  process.setSourceMapsEnabled(true);
  const compiled = compiledPath(real, dir);
  try {
    if (compiled.endsWith('.cjs')) return requirePackage(compiled) as Record<string, unknown>;
    return await importModule(pathToFileURL(compiled).href);
  } catch (error) {
    throw namingSources(error);
  }
}

/**
 * Compiles what changed of `absolute`'s graph into `dir` without importing
 * it (compile-ahead.ts). Never rejects: whatever fails, fails again, with
 * its message, when the module is imported.
 */
export async function compileGraph(absolute: string, dir: string): Promise<void> {
  try {
    await ensureGraph(fs.realpathSync(absolute), dir);
  } catch {
    // Reported by importCompiled.
  }
}

export function compiledPath(absolute: string, dir: string): string {
  const id = sha256(absolute).slice(0, 16);
  return path.join(dir, `${path.basename(absolute).replace(/\.[^.]+$/, '')}-${id}.${isEsm(absolute) ? 'mjs' : 'cjs'}`);
}

/** Checks (compiling what changed) `entry` and the local TypeScript it imports, each file's imports at once. */
async function ensureGraph(entry: string, dir: string): Promise<void> {
  const seen = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    let imports = checked.get(file);
    if (!imports) {
      imports = ensureFile(file, dir);
      checked.set(file, imports);
      imports.catch(() => checked.delete(file));
    }
    await Promise.all((await imports).map(visit));
  };
  await visit(entry);
}

/** Compiles `file` unless its compiled file's stamp still holds; the local TypeScript it imports. */
async function ensureFile(file: string, dir: string): Promise<string[]> {
  let source: Buffer;
  try {
    source = fs.readFileSync(file);
  } catch (error) {
    // A module that went missing: tsx says so in its own words.
    throw new NotCompiled(`${file}: ${String(error)}`);
  }
  const hash = sha256(source);
  const target = compiledPath(file, dir);
  sources.set(target, file);
  const stamp = readStamp(target);
  if (stamp && !stamp.racy && stamp.source === hash && stamp.files.every(([file, stat]) => statOf(file) === stat)) {
    return stamp.modules;
  }
  const compiled = await compile(file, dir, hash);
  try {
    writeFileAtomic(target, compiled.text);
  } catch (error) {
    // A read-only workspace: tsx loads without writing.
    throw new NotCompiled(`${target}: ${String(error)}`);
  }
  return compiled.stamp.modules;
}

async function compile(file: string, dir: string, hash: string): Promise<{ text: string; stamp: Stamp }> {
  const esbuild = requirePackage('esbuild') as typeof import('esbuild');
  const stamp: Stamp = { path: file, source: hash, modules: [], files: [] };
  stampTsconfigs(stamp, path.dirname(file));
  const format = isEsm(file) ? 'esm' : 'cjs';
  let result: import('esbuild').BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format,
      platform: 'node',
      target: 'node20',
      // As Node resolves a package: its `main` only, no `module` condition.
      mainFields: ['main'],
      conditions: [],
      sourcemap: 'inline',
      sourcesContent: false,
      outdir: dir,
      logLevel: 'silent',
      define: {
        'import.meta.url': JSON.stringify(pathToFileURL(file).href),
        'import.meta.dirname': JSON.stringify(path.dirname(file)),
        'import.meta.filename': JSON.stringify(file),
        ...(format === 'cjs'
          ? { __dirname: JSON.stringify(path.dirname(file)), __filename: JSON.stringify(file) }
          : {}),
      },
      plugins: [rewriteImports(dir, stamp, format)],
    });
  } catch (error) {
    throw new NotCompiled(`${file}: ${String(error)}`);
  }
  const text = result.outputFiles[0]?.text ?? '';
  const mapAt = text.lastIndexOf(INLINE_MAP);
  if (mapAt < 0) throw new NotCompiled(`${file}: esbuild gave no source map`);
  const code = text.slice(0, mapAt);
  // CommonJS output turns a leftover import.meta into {} with this warning.
  if (UNMODELLED.test(code) || result.warnings.some((warning) => warning.id === 'empty-import-meta')) {
    throw new NotCompiled(`${file} uses import.meta or import() beyond what is compiled`);
  }
  // The stamp is one more first line, so the source map's lines start one later.
  const map = JSON.parse(Buffer.from(text.slice(mapAt + INLINE_MAP.length), 'base64').toString()) as {
    mappings: string;
  };
  map.mappings = `;${map.mappings}`;
  const shifted = `${code}${INLINE_MAP}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  stamp.body = sha256(shifted);
  return { text: `// ${FORMAT} ${JSON.stringify(stamp)}\n${shifted}`, stamp };
}

const INLINE_MAP = '//# sourceMappingURL=data:application/json;base64,';

/**
 * Every import stays an import, to the compiled file of local TypeScript or
 * the resolved file of anything else: a URL for import(), a path for
 * CommonJS's require().
 */
function rewriteImports(dir: string, stamp: Stamp, format: 'esm' | 'cjs'): Plugin {
  const named = (file: string, kind: string): string =>
    format === 'esm' || kind === 'dynamic-import' ? pathToFileURL(file).href : file;
  return {
    name: 'runner-compiled-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === 'inner') return undefined;
        const resolved = await build.resolve(args.path, {
          // CommonJS output require()s what an import statement names: resolved as Node resolves a require.
          kind: format === 'cjs' && args.kind === 'import-statement' ? 'require-call' : args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          with: args.with,
          pluginData: 'inner',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (resolved.external) return { path: args.path, external: true };
        if (args.path.startsWith('.') || path.isAbsolute(args.path))
          for (const dir of [path.dirname(path.resolve(args.resolveDir, args.path)), path.dirname(resolved.path)])
            stampFile(stamp, dir);
        if (resolved.path.endsWith('.json')) {
          stampFile(stamp, resolved.path);
          return { path: resolved.path };
        }
        if (TYPESCRIPT.test(resolved.path) && !resolved.path.includes(`${path.sep}node_modules${path.sep}`)) {
          stamp.modules.push(resolved.path);
          return { path: named(compiledPath(resolved.path, dir), args.kind), external: true };
        }
        if (!args.path.startsWith('.') && !path.isAbsolute(args.path)) {
          const json = packageJsonOf(resolved.path);
          if (json) stampFile(stamp, json);
          stampPackageLookup(stamp, args.resolveDir, args.path);
        }
        return { path: named(resolved.path, args.kind), external: true };
      });
    },
  };
}

/**
 * Where Node looks for package `specifier` from `resolveDir`: each
 * node_modules/<name> up to the first that exists, so that one appearing
 * nearer (which Node would then load instead) fails the stamp.
 */
function stampPackageLookup(stamp: Stamp, resolveDir: string, specifier: string): void {
  stampNearest(stamp, resolveDir, path.join('node_modules', packageNameOf(specifier)));
}

/**
 * The tsconfig.json esbuild compiles a file under (the nearest, in its
 * directory or one above: its `paths`, `jsx` and the like change the
 * output): each up to the first that exists, so one added, edited or
 * removed fails the stamp.
 */
function stampTsconfigs(stamp: Stamp, fromDir: string): void {
  stampNearest(stamp, fromDir, 'tsconfig.json');
}

/** Stamps `relative` in `fromDir` and each directory above it, up to the first where it exists. */
function stampNearest(stamp: Stamp, fromDir: string, relative: string): void {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (stampFile(stamp, path.join(dir, relative)) !== 'missing' || dir === path.dirname(dir)) return;
  }
}

/** Adds `file` (once) to the stamp's files with its size and ctime, which it returns. */
function stampFile(stamp: Stamp, file: string): string {
  const known = stamp.files.find(([stamped]) => stamped === file);
  if (known) return known[1];
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st && isRacy(st.ctimeMs, Date.now())) stamp.racy = true;
  const stat = st ? statText(st) : 'missing';
  stamp.files.push([file, stat]);
  return stat;
}

/**
 * Removes the compiled files in `dir` whose source is gone (moved, renamed or
 * deleted) or that an older runner wrote; the number removed.
 */
export function pruneCompiled(dir: string): number {
  return removeWhere(dir, (name) => {
    const stamp = readStamp(path.join(dir, name));
    return !(stamp && typeof stamp.path === 'string' && fs.existsSync(stamp.path));
  });
}

/** The stamp of the compiled file `target`, when the code after it is the code it was written with. */
function readStamp(target: string): Stamp | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(target);
  } catch {
    return undefined;
  }
  const prefix = `// ${FORMAT} `;
  const end = data.indexOf(10);
  if (end < 0 || data.toString('utf8', 0, prefix.length) !== prefix) return undefined;
  let stamp: Stamp;
  try {
    stamp = JSON.parse(data.toString('utf8', prefix.length, end)) as Stamp;
  } catch {
    return undefined;
  }
  return stamp.body === sha256(data.subarray(end + 1)) ? stamp : undefined;
}

function statOf(file: string): string {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat ? statText(stat) : 'missing';
}

const statText = (stat: fs.Stats): string => `${stat.size}:${stat.ctimeMs}`;

/** The package.json of the package that holds `file`: the nearest one with a name. */
function packageJsonOf(file: string): string | undefined {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const json = path.join(dir, 'package.json');
    if (fs.existsSync(json)) return json;
  }
  return undefined;
}

const typeOfDir = new Map<string, boolean>();

/** Whether Node treats `file` as an ES module: .mts, or .ts/.tsx under a package.json with "type": "module". */
function isEsm(file: string): boolean {
  if (file.endsWith('.mts')) return true;
  if (file.endsWith('.cts')) return false;
  const dir = path.dirname(file);
  let esm = typeOfDir.get(dir);
  if (esm === undefined) {
    const json = packageJsonOf(file);
    esm = json !== undefined && readJsonOrUndefined<{ type?: unknown } | null>(json)?.type === 'module';
    typeOfDir.set(dir, esm);
  }
  return esm;
}

/** Node's error with each compiled file's path (or URL) replaced by its source's. */
function namingSources(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  for (const [compiled, source] of sources) {
    const url = pathToFileURL(compiled).href;
    if (error.message.includes(compiled) || error.message.includes(url)) {
      error.message = error.message.split(url).join(source).split(compiled).join(source);
    }
  }
  return error;
}
