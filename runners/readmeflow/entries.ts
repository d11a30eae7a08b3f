// A package's entry points, from package.json `exports` (every subpath; per
// subpath the first of the conditions types, import, module, default,
// require, node) or else `types`/`typings`, `module`, `main`, or an index
// file. An entry usually names a build output (./dist/index.js) that may not
// exist yet; its source is found through tsconfig's outDir -> rootDir, then
// the usual dist|lib|build|out -> src layout, then the file itself. The API
// a README documents is the source's, so a stale build never leaks into it.
import fs from 'node:fs';
import path from 'node:path';
import { isRecord, readJsonc } from './util.js';

export interface EntryTarget {
  subpath: string;
  target: string;
}

const CONDITIONS = ['types', 'import', 'module', 'default', 'require', 'node'];
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];
const BUILD_DIRS = /^(dist|lib|build|out|esm|cjs|types)\//;
const STRIP_EXTENSION = /(\.d)?\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
// `./package.json`, `./styles.css`: exported files that are not modules have no API to list.
const IS_MODULE_TARGET = /(\.[mc]?[jt]sx?|\/[^./]*|\*[^/]*)$/;

export function entryTargets(manifest: Record<string, unknown>, packageDir: string): EntryTarget[] {
  const exportsField = manifest.exports;
  if (exportsField !== undefined && exportsField !== null) {
    if (isRecord(exportsField) && Object.keys(exportsField).some((key) => key.startsWith('.'))) {
      return Object.entries(exportsField).flatMap(([subpath, value]) => {
        const target = pickTarget(value);
        return target === undefined || !IS_MODULE_TARGET.test(target) ? [] : [{ subpath, target }];
      });
    }
    const target = pickTarget(exportsField);
    return target === undefined ? [] : [{ subpath: '.', target }];
  }
  for (const field of ['types', 'typings', 'module', 'main']) {
    const value = manifest[field];
    if (typeof value === 'string' && value !== '') return [{ subpath: '.', target: value }];
  }
  const index = ['index.ts', 'index.mts', 'index.js', 'index.mjs', 'src/index.ts'].find((f) =>
    fs.existsSync(path.join(packageDir, f)),
  );
  return index === undefined ? [] : [{ subpath: '.', target: `./${index}` }];
}

/**
 * The file to read for `target` (package-relative POSIX), or undefined when
 * there is none; `dirs` are the package's compilerDirs.
 */
export function sourceFor(packageDir: string, target: string, dirs: CompilerDirs): string | undefined {
  const wanted = target.replace(/^\.\//, '');
  if (wanted.includes('*')) return undefined;
  const exists = (relative: string): boolean => {
    try {
      return fs.statSync(path.join(packageDir, relative)).isFile();
    } catch {
      return false;
    }
  };
  if (SOURCE_EXTENSIONS.some((ext) => wanted.endsWith(ext)) && !/\.d\.[mc]?ts$/.test(wanted) && exists(wanted))
    return wanted;
  const base = wanted.replace(STRIP_EXTENSION, '');
  const bases = [base];
  const { outDir, rootDir } = dirs;
  if (outDir && (base === outDir || base.startsWith(`${outDir}/`)))
    bases.push(path.posix.join(rootDir ?? 'src', base.slice(outDir.length + 1)));
  if (BUILD_DIRS.test(base)) bases.push(base.replace(BUILD_DIRS, 'src/'), base.replace(BUILD_DIRS, ''));
  for (const candidate of bases) {
    for (const ext of SOURCE_EXTENSIONS) if (exists(`${candidate}${ext}`)) return `${candidate}${ext}`;
    for (const ext of SOURCE_EXTENSIONS) if (exists(`${candidate}/index${ext}`)) return `${candidate}/index${ext}`;
  }
  return exists(wanted) ? wanted : undefined;
}

function pickTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const picked = pickTarget(item);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const keys = [...CONDITIONS.filter((c) => c in value), ...Object.keys(value).filter((k) => !CONDITIONS.includes(k))];
  for (const key of keys) {
    const picked = pickTarget(value[key]);
    if (picked !== undefined) return picked;
  }
  return undefined;
}

export interface CompilerDirs {
  outDir?: string;
  rootDir?: string;
}

/**
 * outDir and rootDir of the package's tsconfig.json (package-relative), when
 * it sets them; `where.dir` is the package as the workspace names it, and
 * `where.log` the reading stage's log.
 */
export function compilerDirs(packageDir: string, where: { dir: string; log(line: string): void }): CompilerDirs {
  const name = path.posix.join(where.dir, 'tsconfig.json');
  // A warning, not an error: readmeflow reads tsconfig for these two
  // settings alone, to trace an entry point (or a bin) in the build output
  // to its source, and without them it does what it does for a package
  // with no tsconfig (the usual dist|lib|build|out -> src layout). A package
  // that needs the mapping then lists an entry with no source, or verify
  // names a bin it cannot find: so the stage says why.
  const config = readJsonc(path.join(packageDir, 'tsconfig.json'), name, (mistake) =>
    where.log(`${mistake}; going on without its outDir and rootDir, so built entry points are looked for under src/`),
  );
  const options: unknown = isRecord(config) ? config.compilerOptions : undefined;
  if (!isRecord(options)) return {};
  const clean = (value: unknown): string | undefined =>
    typeof value === 'string' ? path.posix.normalize(value.replace(/^\.\//, '')).replace(/\/$/, '') : undefined;
  return { outDir: clean(options.outDir), rootDir: clean(options.rootDir) };
}
