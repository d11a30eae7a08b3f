import { createRequire } from 'node:module';

/**
 * `require` for packages kept outside the bundle (native SQLite, tsx,
 * typescript). The CLI bundle is CommonJS loaded through vm.Script, where a
 * dynamic import() has no loader; require() always works.
 */
export const requirePackage = createRequire(import.meta.url);
