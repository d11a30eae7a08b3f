// Loads `run: path#export` without a build step: .ts/.mts/.tsx/.cts and
// .js/.mjs alike. Each module loads once per process.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importModule as importNative } from '../util/require.js';
import { messageOf } from '../util/errors.js';
import { compileGraph, importCompiled, NotCompiled } from './compiled-modules.js';
const loaded = new Map<string, Promise<Record<string, unknown>>>();

export class ModuleLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleLoadError';
  }
}

export async function loadExport(root: string, module: string, exportName: string): Promise<unknown> {
  const absolute = path.resolve(root, module);
  let pending = loaded.get(absolute);
  if (!pending) {
    pending = importModule(absolute, compiledDir(root));
    loaded.set(absolute, pending);
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = await pending;
  } catch (error) {
    loaded.delete(absolute);
    // Node's message names the module that was not found, and the importer too: ask the disk which one is missing.
    if (!fs.existsSync(absolute)) throw new ModuleLoadError(`${module} does not exist`);
    throw new ModuleLoadError(`${module} failed to load: ${messageOf(error)}`);
  }
  if (!(exportName in namespace)) {
    const names = Object.keys(namespace).filter((n) => n !== 'default');
    throw new ModuleLoadError(`${module} has no export "${exportName}" (it exports: ${names.join(', ') || 'nothing'})`);
  }
  return namespace[exportName];
}

const TYPESCRIPT = /\.(m|c)?tsx?$/;

/** Whether `module` is TypeScript, which loads compiled (compiled-modules.ts). */
export function isTypeScript(module: string): boolean {
  return TYPESCRIPT.test(module);
}

/** Compiles what changed of TypeScript `module`'s graph, without loading it (compile-ahead.ts); never rejects. */
export function compileModule(root: string, module: string): Promise<void> {
  return compileGraph(path.resolve(root, module), compiledDir(root));
}

function compiledDir(root: string): string {
  return path.join(root, '.runner', 'modules');
}
type TsxApi = typeof import('tsx/esm/api');
let tsx:
  | Promise<{ api: TsxApi; shared: (specifier: string, parent: string) => Promise<Record<string, unknown>> }>
  | undefined;

// TypeScript goes through tsx's loader in one namespace for the process (or
// worker thread), so stage modules that import each other share one module
// graph and each file evaluates once. In a workspace without
// `"type": "module"` tsx treats .ts as CommonJS, and its shared namespace
// cannot re-resolve a module it already loaded; such a module then loads in
// a namespace of its own (evaluated again, but correct). JavaScript needs no
// loader, and JavaScript-only runs never load tsx. Most TypeScript never
// needs it either: compiled-modules.ts compiles it once for Node itself.
async function importModule(absolute: string, compiledDir: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(absolute).href;
  if (!isTypeScript(absolute)) return importNative(url);
  try {
    return await importCompiled(absolute, compiledDir);
  } catch (error) {
    // Node cannot import TypeScript that compiled JavaScript imports (a local .js importing .ts): tsx can.
    if (!(error instanceof NotCompiled) && (error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw error;
    }
  }
  tsx ??= importNative<TsxApi>('tsx/esm/api').then((api) => ({
    api,
    shared: api.register({ namespace: 'runner-stages' }).import,
  }));
  const { api, shared } = await tsx;
  try {
    return await shared(url, url);
  } catch {
    return (await api.tsImport(url, url)) as Record<string, unknown>;
  }
}
