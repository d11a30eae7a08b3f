// readmeflow/scan: one package in, its facts out: package.json (name,
// version, bins, scripts, engines, dependencies) and the exported symbols of
// each entry point (package-facts.ts). A map stage over `packages`, one
// package per item, so only the packages in flight have their sources in
// memory.
//
// The item cache is keyed by the package's directory and content hash
// (`key`), not by the whole record: a change elsewhere in the workspace
// graph, or to a README, reaches this package's record through `emit`
// without parsing it again.
import { defineMap } from '../../src/api.js';
import type { PackageFacts, PackageRecord, ScanRecord } from './types.js';

export const scan = defineMap<PackageRecord, PackageFacts>({
  key: (item) => `${item.dir}\0${item.hash}`,
  // Imported on the first miss: the TypeScript compiler is not loaded when every package is cached.
  run: async (item, ctx) => (await import('./package-facts.js')).scanPackage(item, ctx),
  emit: (item, facts): ScanRecord => ({ ...item, facts }),
});
