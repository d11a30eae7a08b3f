// readmeflow/packages: the packages of the workspace at params.workspace, one
// record each, with a content hash of the package's own files. It reads
// every package.json (small) for names and dependencies, so each record can
// carry the package's view of the workspace graph; sources it only hashes,
// one file at a time, memoised by stat (file-hashes.ts), so a run after one
// edit reads one file. The files it hashes are the stage's `inputs`.
//
// The hash covers package.json, tsconfig and sources, never markdown, so
// writing a README does not make its package look changed. Each README's
// block hash and stamp ride along for the write stage. Cache policy
// `never`: stamps are this disk's, so a record from another machine's run
// (a shared cache) must not stand in for them. It is cheap, and a run with
// nothing changed produces the same records, so the stages below stay cached.
import fs from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../src/api.js';
import { discoverWorkspace } from './discover.js';
import { FileHasher } from './file-hashes.js';
import { workspaceLinks } from './graph.js';
import type { GraphPackage } from './graph.js';
import { currentBlock } from './markers.js';
import type { PackageRecord, ReadmeRef } from './types.js';
import { compare, isRecord, isWithin, posixJoin, readIfExists, readJson, sha256 } from './util.js';

const RUNTIME_KINDS = ['dependencies', 'peerDependencies', 'optionalDependencies'] as const;

export async function* packages(
  ctx: Pick<StageContext, 'params' | 'inputs' | 'workspace' | 'memo' | 'log'>,
): AsyncGenerator<PackageRecord> {
  const root = posixJoin(String(ctx.params.workspace));
  const rootAbsolute = ctx.workspace.resolve(root);
  if (!fs.existsSync(path.join(rootAbsolute, 'package.json'))) {
    throw new Error(
      `${root}/package.json does not exist: params.workspace must name a package or the root of a workspace`,
    );
  }
  const files = ctx.inputs.filter((file) => isWithin(root, file));
  const manifestDirs = files
    .filter((f) => path.posix.basename(f) === 'package.json')
    .map((f) => path.posix.relative(root, path.posix.dirname(f)) || '.');
  const layout = discoverWorkspace(rootAbsolute, { manifestDirs, name: root });
  const found = layout.packageDirs.map((relative) => {
    const dir = posixJoin(root, relative);
    const manifest = readJson(ctx.workspace.resolve(`${dir}/package.json`), `${dir}/package.json`);
    const name =
      isRecord(manifest) && typeof manifest.name === 'string' && manifest.name !== ''
        ? manifest.name
        : path.basename(ctx.workspace.resolve(dir));
    return { dir, name, dependencies: declaredDependencies(manifest) } satisfies GraphPackage;
  });
  const seen = new Map<string, string>();
  for (const pkg of found) {
    const other = seen.get(pkg.name);
    if (other !== undefined) throw new Error(`two packages are named ${pkg.name}: ${other} and ${pkg.dir}`);
    seen.set(pkg.name, pkg.dir);
  }
  const links = workspaceLinks(found);
  const filesByDir = groupByPackage(files, new Set(found.map((p) => p.dir)));
  const hasher = await FileHasher.load(ctx.memo);
  let hashed = 0;
  for (const pkg of [...found].sort((a, b) => compare(a.dir, b.dir))) {
    const own = (filesByDir.get(pkg.dir) ?? []).filter((file) => !/\.(md|markdown)$/i.test(file));
    const lines = own.map(
      (file) => `${path.posix.relative(pkg.dir, file)}\0${hasher.hash(ctx.workspace.resolve(file), file)}\n`,
    );
    hashed += own.length;
    yield {
      dir: pkg.dir,
      name: pkg.name,
      hash: sha256(lines.sort(compare).join('')),
      files: own.length,
      manager: layout.manager,
      root,
      isWorkspace: layout.isWorkspace,
      workspace: links.get(pkg.name) ?? { dependencies: [], dependents: [], graph: { nodes: [], edges: [] } },
      readme: readmeRef(ctx.workspace.resolve(pkg.dir), pkg.dir),
    };
  }
  await hasher.save(ctx.memo);
  const shape = layout.isWorkspace ? `${layout.manager} workspace (${layout.patterns.join(', ')})` : 'single package';
  ctx.log(
    `${found.length} package${found.length === 1 ? '' : 's'} in ${root}, a ${shape}; ${hashed} files hashed, ${hasher.reads} read`,
  );
}

/** Every dependency the manifest declares, and whether only devDependencies declare it. */
function declaredDependencies(manifest: unknown): GraphPackage['dependencies'] {
  if (!isRecord(manifest)) return [];
  const names = (kind: string): string[] => (isRecord(manifest[kind]) ? Object.keys(manifest[kind]) : []);
  const runtime = new Set(RUNTIME_KINDS.flatMap(names));
  const all = new Set([...runtime, ...names('devDependencies')]);
  return [...all].sort(compare).map((name) => ({ name, isDev: !runtime.has(name) }));
}

/** Files by the package directory that holds them (the innermost one, for nested packages). */
function groupByPackage(files: readonly string[], dirs: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of files) {
    for (let dir = path.posix.dirname(file); ; dir = path.posix.dirname(dir)) {
      if (dirs.has(dir)) {
        const list = out.get(dir) ?? [];
        list.push(file);
        out.set(dir, list);
        break;
      }
      if (dir === '.' || dir === '/' || dir === '') break;
    }
  }
  return out;
}

/** The package's README (any case of README.md, or where a new one goes), its block and its stamp. */
function readmeRef(absoluteDir: string, dir: string): ReadmeRef {
  let names: string[];
  try {
    names = fs.readdirSync(absoluteDir).sort(compare);
  } catch {
    names = [];
  }
  const name = names.find((n) => n === 'README.md') ?? names.find((n) => /^readme\.md$/i.test(n)) ?? 'README.md';
  const file = path.join(absoluteDir, name);
  const text = readIfExists(file);
  const st = fs.statSync(text === undefined ? absoluteDir : file);
  const stamp = `${text === undefined ? 'absent:' : ''}${st.size}:${st.mtimeMs}:${st.ino}`;
  const block = currentBlock(text);
  return { path: posixJoin(dir, name), ...(block === undefined ? {} : { block }), stamp };
}
