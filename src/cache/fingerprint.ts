// The fingerprint is a value: one canonical JSON manifest of everything that
// can change a stage's result, hashed. What is in it, and only this:
//   format      the runner's cache-format version
//   definition  the stage definition minus performance knobs (concurrency,
//               batchSize, stream, isolate, maxMemory, timeout, retries) and
//               minus cache bookkeeping (policy, ttl, scope, compress)
//   code        hashes of the run module, its local imports, and the
//               package.json of packages it imports
//   inputs      [path, hash] of every file matched by `inputs` (and by
//               `foreach.files`), sorted by path
//   needs       the output fingerprint of every `needs` stage
//   params      resolved params
//   env         env values; secret ones as sha256 only
//   version     cache.version
import type { StageDefinition } from '../config/types.js';
import { hashValue, sha256 } from '../util/hash.js';
import type { CodeHashes } from './code-hash.js';

/** Bump when the meaning of a cache entry changes: every old entry becomes a miss. */
export const CACHE_FORMAT = 2;

export interface Manifest {
  format: number;
  definition: Record<string, unknown>;
  code: CodeHashes;
  inputs: [string, string][];
  needs: Record<string, string>;
  params: Record<string, unknown>;
  env: Record<string, string>;
  version: string | null;
}

export interface ManifestParts {
  definition: StageDefinition;
  code: CodeHashes;
  inputs: [string, string][];
  needs: Record<string, string>;
}

export function buildManifest(parts: ManifestParts): Manifest {
  const { definition } = parts;
  return {
    format: CACHE_FORMAT,
    definition: {
      kind: definition.kind,
      run: definition.run,
      shell: definition.shell,
      needs: [...definition.needs].sort(),
      inputs: definition.inputs,
      outputs: definition.outputs,
      foreach: definition.foreach,
      ordered: definition.kind === 'map' ? definition.ordered : undefined,
    },
    code: parts.code,
    inputs: parts.inputs,
    needs: parts.needs,
    params: definition.params,
    env: Object.fromEntries(definition.env.map((e) => [e.name, e.isSecret ? `sha256:${sha256(e.value)}` : e.value])),
    version: definition.cache.version ?? null,
  };
}

export function fingerprintOf(manifest: Manifest): string {
  return hashValue(manifest);
}

/**
 * The key of a map stage's items: the fingerprint without the items' own
 * contents (the `foreach` files, or the foreach stage's output), so editing
 * one item leaves the other items' keys unchanged.
 */
export function itemScopeFingerprint(manifest: Manifest, foreachStage: string | undefined, foreachFiles: ReadonlySet<string>): string {
  const needs = { ...manifest.needs };
  if (foreachStage !== undefined) delete needs[foreachStage];
  return hashValue({ ...manifest, inputs: manifest.inputs.filter(([file]) => !foreachFiles.has(file)), needs, items: true });
}
