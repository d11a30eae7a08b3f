import { createRequire } from 'node:module';

/**
 * `require` for packages kept outside the bundle (native SQLite, TypeScript).
 * The CLI bundle is CommonJS run through vm.Script (for its code cache), where
 * import() has no loader of its own; require() always works.
 */
export const requirePackage = createRequire(import.meta.url);

const IMPORT = Symbol.for('runner.import');

/**
 * import() that also works inside the vm.Script: bin/runner.cjs, a normal
 * module, lends its own import() under a well-known symbol. Everywhere else
 * (tests, worker threads) the native one is used.
 */
export function importModule<T = Record<string, unknown>>(specifier: string): Promise<T> {
  const lent = (globalThis as Record<symbol, unknown>)[IMPORT] as ((s: string) => Promise<T>) | undefined;
  return lent ? lent(specifier) : (import(specifier) as Promise<T>);
}
