// Should a stage run, be skipped, or have its outputs restored? A function
// of the stage, its upstream records and the caches; it runs nothing.
import type { StagePlan } from '../config/types.js';
import { codeHashes } from '../cache/code-hash.js';
import type { CodeHashes } from '../cache/code-hash.js';
import { buildManifest, fingerprintOf, inputsText, parseInputsText } from '../cache/fingerprint.js';
import type { Manifest } from '../cache/fingerprint.js';
import { expandGlobs, isGlob } from '../cache/glob.js';
import type { OutputRecord, StageRecord } from '../cache/state.js';
import { diffManifests } from '../cache/why.js';
import type { Why } from '../cache/why.js';
import type { Failure } from './events.js';
import type { Resources } from './resources.js';

export interface DecideInput {
  stage: StagePlan;
  /** Record of every `needs` stage (this run's, or the last one here). */
  upstream: ReadonlyMap<string, StageRecord>;
  isForced: boolean;
  isNoCache: boolean;
  res: Resources;
}

interface Keyed {
  fingerprint: string;
  manifest: Manifest;
  /** Files matched by `foreach.files` (map stages over files). */
  foreachFiles: string[];
  /** Content hash of each of foreachFiles, as in the manifest. */
  foreachHashes: string[];
}

export type Decision =
  | (Keyed & { action: 'cached'; record: StageRecord; why: Why })
  | (Keyed & { action: 'restore'; record: StageRecord; restore: OutputRecord[]; why: Why; isFromStore: boolean })
  | (Keyed & { action: 'run'; why: Why; previous?: StageRecord })
  | { action: 'fail'; failure: Failure };

export async function decide(input: DecideInput): Promise<Decision> {
  const { stage, res } = input;
  const keyed = computeKey(input);
  if ('failure' in keyed) return { action: 'fail', failure: keyed.failure };
  const { definition } = stage;
  const previous = res.state.get(stage.id);
  if (input.isNoCache) return { ...keyed, action: 'run', why: { reason: 'no-cache' }, previous };
  if (input.isForced) return { ...keyed, action: 'run', why: { reason: 'forced' }, previous };
  if (definition.cache.policy === 'never') return { ...keyed, action: 'run', why: { reason: 'policy-never' }, previous };

  const isLocal = previous?.fingerprint === keyed.fingerprint;
  let record = isLocal ? previous : undefined;
  // Files a stage writes without declaring them cannot be restored: such a
  // stage is reused only from its own last run here.
  if (!record && !definition.cache.hasSideEffects) record = await res.lookup<StageRecord>(storeKey(keyed.fingerprint));
  if (!record || record.fingerprint !== keyed.fingerprint) {
    return { ...keyed, action: 'run', why: await whyChanged(res, previous, keyed.manifest), previous };
  }
  const ttlMs = definition.cache.ttlMs;
  if (definition.cache.policy === 'ttl' && ttlMs !== undefined && res.now() - record.createdAt > ttlMs) {
    return { ...keyed, action: 'run', why: { reason: 'ttl-expired', ageMs: res.now() - record.createdAt, ttlMs }, previous };
  }
  if (record.dataset && !(await res.hasBlob(record.dataset.hash))) {
    return { ...keyed, action: 'run', why: { reason: 'output-missing', path: `(records of ${stage.name})` }, previous };
  }
  const restore: OutputRecord[] = [];
  let firstProblem: Why | undefined;
  for (const output of record.outputs) {
    const hash = res.stats.hash(output.path);
    if (hash === output.hash) continue;
    restore.push(output);
    firstProblem ??= hash === undefined ? { reason: 'output-missing', path: output.path } : { reason: 'output-changed', path: output.path };
  }
  if (restore.length === 0) return { ...keyed, action: 'cached', record, why: { reason: 'unchanged' } };
  const why = isLocal ? (firstProblem ?? { reason: 'unchanged' }) : await whyChanged(res, previous, keyed.manifest);
  return { ...keyed, action: 'restore', record, restore, why, isFromStore: !isLocal };
}

export function storeKey(fingerprint: string): string {
  return `stage:${fingerprint}`;
}

function computeKey(input: DecideInput): Keyed | { failure: Failure } {
  const { stage, res, upstream } = input;
  const { definition } = stage;
  for (const pattern of definition.inputs) {
    if (!pattern.startsWith('!') && !isGlob(pattern) && !res.stats.stat(pattern)) return { failure: { kind: 'input-missing', path: pattern } };
  }
  const foreachFiles =
    definition.foreach?.kind === 'files' ? expandGlobs(res.stats, definition.foreach.patterns, definition.foreach.exclude) : [];
  const declared = expandGlobs(res.stats, definition.inputs);
  // foreachFiles come sorted; alone (the usual map over files) they are the whole list.
  const sorted = declared.length === 0 ? foreachFiles : [...new Set([...declared, ...foreachFiles])].sort();
  const hashes = res.stats.hashAll(sorted);
  const inputs: [string, string][] = sorted.map((file, i) => [file, hashes[i] ?? 'missing']);
  const foreachHashes = sorted === foreachFiles ? inputs.map(([, hash]) => hash) : hashesOf(foreachFiles, inputs);
  const code: CodeHashes = definition.run ? codeHashes(res.stats, definition.run.module) : [];
  const needs: Record<string, string> = {};
  for (const need of definition.needs) {
    const record = upstream.get(need);
    if (!record) return { failure: { kind: 'upstream-missing', stage: need } };
    needs[need] = record.outputFingerprint;
  }
  const manifest = buildManifest({ definition, code, inputs, needs });
  return { fingerprint: fingerprintOf(manifest), manifest, foreachFiles, foreachHashes };
}

/** The hashes of `files` (sorted) out of `inputs` (sorted, a superset): one merge walk. */
function hashesOf(files: readonly string[], inputs: readonly [string, string][]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const file of files) {
    while (at < inputs.length && (inputs[at]?.[0] ?? '') < file) at++;
    out.push(inputs[at]?.[0] === file ? (inputs[at]?.[1] ?? 'missing') : 'missing');
  }
  return out;
}

async function whyChanged(res: Resources, previous: StageRecord | undefined, current: Manifest): Promise<Why> {
  if (!previous) return { reason: 'no-cache-entry' };
  const old = await loadManifest(res, previous.manifest);
  if (!old) return { reason: 'no-cache-entry' };
  return { reason: 'changed', changes: diffManifests(old, current) };
}

export function manifestKey(fingerprint: string): string {
  return `manifest:${fingerprint}`;
}

/** A manifest as stored beside its stage record: a long input list goes into the object store as text. */
export interface ManifestEntry {
  at: number;
  m: Manifest;
  /** The blob of the input list (inputsText), when it is not in `m`. */
  inputs?: string;
}

/** Lists up to this long stay in the store entry. */
const INLINE_INPUTS = 200;

export function manifestEntry(res: Resources, manifest: Manifest, at: number): ManifestEntry {
  if (manifest.inputs.length <= INLINE_INPUTS) return { at, m: manifest };
  return { at, m: { ...manifest, inputs: [] }, inputs: res.objects.putBytes(inputsText(manifest.inputs)) };
}

/** The manifest a stage record was keyed by (in the store, beside the record). */
export async function loadManifest(res: Resources, fingerprint: string): Promise<Manifest | undefined> {
  const entry = await res.lookup<ManifestEntry>(manifestKey(fingerprint));
  if (!entry || typeof entry !== 'object' || !('m' in entry)) return undefined;
  if (typeof entry.inputs !== 'string') return entry.m;
  const text = (await res.hasBlob(entry.inputs)) ? await res.objects.readSmall(entry.inputs, Number.MAX_SAFE_INTEGER) : undefined;
  const inputs = text && parseInputsText(text.toString('utf8'));
  return inputs ? { ...entry.m, inputs } : undefined;
}
