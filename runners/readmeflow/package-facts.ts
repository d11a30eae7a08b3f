// The facts of one package: package.json (manifest.ts) plus the exported
// symbols of each entry point (entries.ts, symbols.ts). Loaded by scan only
// when a package must be parsed, because it brings in the TypeScript
// compiler, which takes longer to load than a run with every package cached.
import path from 'node:path';
import type { ItemContext } from '../../src/api.js';
import { compilerDirs, entryTargets, sourceFor } from './entries.js';
import { manifestFacts } from './manifest.js';
import { extractExports } from './symbols.js';
import type { EntryPoint, PackageFacts, PackageRecord } from './types.js';
import { isRecord, posixJoin, readJson } from './util.js';

export function scanPackage(item: PackageRecord, ctx: Pick<ItemContext, 'workspace' | 'log'>): PackageFacts {
  const dir = ctx.workspace.resolve(item.dir);
  const manifest = readJson(path.join(dir, 'package.json'), posixJoin(item.dir, 'package.json'));
  const facts = manifestFacts(manifest, item.dir);
  const targets = isRecord(manifest) ? entryTargets(manifest, dir) : [];
  // Read once per package, so a tsconfig that is not JSONC is logged once, not once per entry point.
  const dirs = compilerDirs(dir, { dir: item.dir, log: (line) => ctx.log(line) });
  const located = targets.map((target) => ({ ...target, source: sourceFor(dir, target.target, dirs) }));
  const sources = [...new Set(located.map((t) => t.source).filter((s): s is string => s !== undefined))];
  const symbols = extractExports(dir, sources);
  const entries = located.map(({ subpath, target, source }): EntryPoint => {
    if (source !== undefined) return { subpath, target, source, symbols: symbols.get(source) ?? [] };
    const problem = target.includes('*')
      ? 'a subpath pattern: its modules are not listed one by one'
      : `no file for ${target} or its source`;
    return { subpath, target, symbols: [], problem };
  });
  return { ...facts, name: facts.name || item.name, entries };
}
