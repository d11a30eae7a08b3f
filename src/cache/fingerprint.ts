// The fingerprint is a value: one canonical JSON manifest of everything that
// can change a stage's result, hashed. What is in it, and only this:
//   format      the runner's cache-format version
//   definition  the stage definition minus performance knobs (concurrency,
//               batchSize, stream, isolate, maxMemory, timeout, retries) and
//               minus cache bookkeeping (policy, ttl, scope, compress)
//   code        hashes of the run module, its local imports, and the
//               package.json of packages it imports
//   inputs      [path, hash] of every file matched by `inputs` (and by
//               `foreach.files`), sorted by path; hashed as one text (see
//               inputsText), so 100,000 files cost one string, encoded once,
//               and one hash
//   needs       the output fingerprint of every `needs` stage
//   params      resolved params
//   env         env and passEnv values; secret ones as sha256 only. A shell
//               stage's definition also names the variables passed through
//               to it without their values (config/environment.ts)
//   version     cache.version
//   platform    os, CPU architecture and Node major version of the machine:
//               a shared cache never restores a Linux build output on macOS,
//               or one made under another Node
import { PASS_THROUGH } from '../config/environment.js';
import type { StageDefinition } from '../config/types.js';
import { foreachOf, runOf } from '../config/types.js';
import { hashValue, sha256 } from '../util/hash.js';
import type { CodeHashes } from './code-hash.js';
import { inputLine, writeListText } from './list-text.js';
import type { ListText } from './list-text.js';

/** Bump when the meaning of a cache entry changes: every old entry becomes a miss. */
export const CACHE_FORMAT = 3;

export interface Manifest {
  format: number;
  definition: Record<string, unknown>;
  code: CodeHashes;
  inputs: [string, string][];
  needs: Record<string, string>;
  params: Record<string, unknown>;
  env: Record<string, string>;
  version: string | null;
  platform: Platform;
}

export interface Platform {
  os: string;
  arch: string;
  node: number;
}

/** This machine's platform: read once, so a no-op run pays nothing per stage. */
export const THIS_PLATFORM: Platform = Object.freeze({
  os: process.platform,
  arch: process.arch,
  node: Number(process.versions.node.split('.')[0]),
});

export interface ManifestParts {
  definition: StageDefinition;
  code: CodeHashes;
  inputs: [string, string][];
  needs: Record<string, string>;
  /** Default: this machine's. */
  platform?: Platform;
}

export function buildManifest(parts: ManifestParts): Manifest {
  const { definition } = parts;
  return {
    format: CACHE_FORMAT,
    definition: {
      kind: definition.kind,
      run: runOf(definition),
      shell: definition.kind === 'shell' ? definition.shell : undefined,
      passThrough: definition.kind === 'shell' ? PASS_THROUGH : undefined,
      needs: [...definition.needs].sort(),
      inputs: definition.inputs,
      outputs: definition.outputs,
      foreach: foreachOf(definition),
      ordered: definition.kind === 'map' ? definition.ordered : undefined,
    },
    code: parts.code,
    inputs: parts.inputs,
    needs: parts.needs,
    params: definition.params,
    env: Object.fromEntries(definition.env.map((e) => [e.name, e.isSecret ? `sha256:${sha256(e.value)}` : e.value])),
    version: definition.cache.version ?? null,
    platform: parts.platform ?? THIS_PLATFORM,
  };
}

export function fingerprintOf(manifest: Manifest): string {
  return hashValue({ ...manifest, inputs: manifestListBytes(manifest).hash });
}

/** Manifests whose input list is held as its text (holdListText). */
const heldLists = new WeakMap<Manifest, ListText>();

/**
 * Has `manifest` hold its input list as `text`: its `inputs` pairs are made
 * by `pairs()` when first read, and not before, and inputsBytes answers
 * them with the text. Not enumerable, so that a copy with other inputs
 * (`{ ...manifest, inputs }`) does not make them; the fingerprint, the
 * list's bytes and its length come from the text.
 */
export function holdListText(manifest: Manifest, text: ListText, pairs: () => [string, string][]): void {
  heldLists.set(manifest, text);
  let made: [string, string][] | undefined;
  const inputs = (): [string, string][] => {
    if (made === undefined) {
      made = pairs();
      encoded.set(made, text);
    }
    return made;
  };
  Object.defineProperty(manifest, 'inputs', { get: inputs, enumerable: false, configurable: true });
}

/** The manifest's input list as text (inputsBytes), from the text it holds when it holds one. */
export function manifestListBytes(manifest: Manifest): { bytes: Buffer; hash: string } {
  return heldLists.get(manifest) ?? inputsBytes(manifest.inputs);
}

/** How many inputs the manifest lists. */
export function inputCount(manifest: Manifest): number {
  return heldLists.get(manifest)?.count ?? manifest.inputs.length;
}

/**
 * The input list as text, one `hash path` line per file: what the
 * fingerprint hashes, and how a long list is stored beside the manifest.
 */
export function inputsText(inputs: readonly (readonly [string, string])[]): string {
  let text = '';
  for (const [file, hash] of inputs) text += inputLine(file, hash);
  return text;
}

/** inputsText's UTF-8, written line by line into one buffer of its exact size (list-text.ts). */
function inputsTextBytes(inputs: readonly (readonly [string, string])[]): Buffer {
  return writeListText(
    inputs.length,
    (i) => inputs[i]?.[0] as string,
    (i) => inputs[i]?.[1] as string,
  ).bytes;
}

/**
 * inputsText as UTF-8, and its sha256: made once per list, since the
 * fingerprint hashes it, a long list is stored as it (in chunks, record.ts),
 * and a rerun's reason diffs it.
 */
export function inputsBytes(inputs: readonly (readonly [string, string])[]): { bytes: Buffer; hash: string } {
  let known = encoded.get(inputs);
  if (known === undefined) {
    const bytes = inputsTextBytes(inputs);
    known = { bytes, hash: sha256(bytes) };
    encoded.set(inputs, known);
  }
  return known;
}

/**
 * The lines of two input texts between their longest common run of
 * leading lines and of trailing lines. Both lists are sorted by path and
 * name each path once, so diffing these lines alone finds every difference
 * diffing the whole lists would.
 */
export function differingLines(before: Buffer, after: Buffer): [Buffer, Buffer] {
  const shorter = Math.min(before.length, after.length);
  let head = 0;
  while (head + BLOCK <= shorter && before.compare(after, head, head + BLOCK, head, head + BLOCK) === 0) head += BLOCK;
  while (head < shorter && before[head] === after[head]) head++;
  // Back to the start of the line the first difference is in.
  head = head === 0 ? 0 : before.lastIndexOf(10, head - 1) + 1;
  const most = shorter - head;
  let tail = 0;
  const [b, a] = [before.length, after.length];
  while (tail + BLOCK <= most && before.compare(after, a - tail - BLOCK, a - tail, b - tail - BLOCK, b - tail) === 0)
    tail += BLOCK;
  while (tail < most && before[b - 1 - tail] === after[a - 1 - tail]) tail++;
  // On to the first line that starts whole on both sides within the common end.
  if (!startsLine(after, a - tail) || !startsLine(before, b - tail)) {
    const newline = after.indexOf(10, a - tail);
    tail = newline === -1 ? 0 : a - newline - 1;
  }
  return [before.subarray(head, b - tail), after.subarray(head, a - tail)];
}

const BLOCK = 64 * 1024;
const startsLine = (text: Buffer, at: number): boolean => at === 0 || text[at - 1] === 10;

const encoded = new WeakMap<readonly (readonly [string, string])[], { bytes: Buffer; hash: string }>();

/** The input list back from inputsText; undefined when the text is not one. */
export function parseInputsText(text: string): [string, string][] | undefined {
  const out: [string, string][] = [];
  let at = 0;
  while (at < text.length) {
    const space = text.indexOf(' ', at);
    const end = text.indexOf('\n', at);
    if (space === -1 || end === -1 || space > end) return undefined;
    let file = text.slice(space + 1, end);
    let next = end + 1;
    if (file.startsWith('"')) {
      // JSON: the newline that ends it is the first one after its closing quote.
      const close = findJsonStringEnd(text, space + 1);
      if (close === -1) return undefined;
      file = JSON.parse(text.slice(space + 1, close + 1)) as string;
      next = close + 2;
    }
    out.push([file, text.slice(at, space)]);
    at = next;
  }
  return out;
}

function findJsonStringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/**
 * The key of a map stage's items: the fingerprint without the items' own
 * contents (the `foreach` files, or the foreach stage's output), so editing
 * one item leaves the other items' keys unchanged.
 */
export function itemScopeFingerprint(
  manifest: Manifest,
  foreachStage: string | undefined,
  foreachFiles: readonly string[],
): string {
  const needs = { ...manifest.needs };
  if (foreachStage !== undefined) delete needs[foreachStage];
  const inputs = otherInputs(manifest, foreachFiles);
  return hashValue({ ...manifest, inputs: inputsBytes(inputs).hash, needs, items: true });
}

/** The manifest's inputs that are not foreach files. */
function otherInputs(manifest: Manifest, foreachFiles: readonly string[]): readonly (readonly [string, string])[] {
  const count = inputCount(manifest);
  // The inputs include every foreach file: as many of each is no other input (the usual map over files).
  if (count === 0 || foreachFiles.length === count) return [];
  if (foreachFiles.length === 0) return manifest.inputs;
  const files = new Set(foreachFiles);
  return manifest.inputs.filter(([file]) => !files.has(file));
}
