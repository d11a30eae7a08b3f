// Phase 4 of a stage in a run: what a stage that ran leaves behind. Its
// record goes into the workspace state (the next run's first answer) and,
// with its manifest, into the store, and its blobs go to a shared store; a
// stage of the same key anywhere finds them there.
import type { StagePlan } from '../config/types.js';
import { differingLines, inputCount, manifestListBytes, parseInputsText } from '../cache/fingerprint.js';
import { basisOf } from '../cache/list-patch.js';
import type { PatchedSpan } from '../cache/list-patch.js';
import type { Manifest } from '../cache/fingerprint.js';
import { STAGE_RECORD } from '../cache/state.js';
import type { ItemCounts, StageRecord } from '../cache/state.js';
import { shapeProblem } from '../util/shape.js';
import { hashValue } from '../util/hash.js';
import type { Keyed } from './key.js';
import type { Resources } from './resources.js';
import type { ExecuteResult } from './execute.js';
import { DatasetWriter } from './dataset.js';
import { ChunkList, ChunkReader } from '../cache/dataset-chunks.js';

export function storeKey(fingerprint: string): string {
  return `stage:${fingerprint}`;
}

export function manifestKey(fingerprint: string): string {
  return `manifest:${fingerprint}`;
}

/**
 * A manifest as stored beside its stage record. A long input list goes into
 * the object store as its text in content-defined chunks, as a dataset's
 * records do (dataset-chunks.ts): after one edit among 100,000 files a rerun
 * stores the chunk or two that changed (about 256 KiB each), not 9 MB.
 */
export interface ManifestEntry {
  at: number;
  m: Manifest;
  /** The chunk index of the input list (inputsText), when it is not in `m`. */
  inputList?: string;
  /** The input list as one blob: how runners before the chunked list stored it (read, never written). */
  inputs?: string;
}

/** Lists up to this long stay in the store entry. */
const INLINE_INPUTS = 200;

/**
 * The store entry of a manifest; a long input list goes into it as a dataset
 * of its text. When the list was patched from an older one (a rerun after an
 * edit, list-patch.ts basisOf) stored here for this same manifest otherwise
 * (the record that list keyed: the one before an edit, or the one before
 * two), the older list is named chunk by chunk around the lines that changed
 * instead of being cut and hashed again (the same dataset).
 */
export async function manifestEntry(res: Resources, manifest: Manifest, at: number): Promise<ManifestEntry> {
  // `inputs` named: a list held as text (fingerprint.ts, holdListText) is no enumerable property of its manifest.
  if (inputCount(manifest) <= INLINE_INPUTS) return { at, m: { ...manifest, inputs: manifest.inputs } };
  const writer = new DatasetWriter(res.objects);
  const { bytes } = manifestListBytes(manifest);
  const before = await listPatchedFrom(res, manifest);
  if (before === undefined) writer.writeBytes(bytes);
  else writePatched(writer, before.reader, before.spans, bytes);
  const { hash } = await writer.finish();
  return { at, m: { ...manifest, inputs: [] }, inputList: hash };
}

/**
 * Writes `bytes`, the text of an older dataset `old` with the lines at
 * `spans` replaced: the older dataset's chunks named (or copied) around
 * them, the new lines written; the same dataset writeBytes(bytes) gives.
 */
export function writePatched(
  writer: DatasetWriter,
  old: ChunkReader,
  spans: readonly PatchedSpan[],
  bytes: Buffer,
): void {
  let copied = 0;
  for (const [oldFrom, oldTo, newFrom, newTo] of spans) {
    writer.appendFrom(old, copied, oldFrom);
    writer.writeBytes(bytes.subarray(newFrom, newTo));
    copied = oldTo;
  }
  writer.appendFrom(old, copied, old.list.startOf(old.list.chunks.length));
}

/**
 * The stored list `manifest`'s inputs were patched from, and the lines
 * replaced: found under the key the manifest has with that list's hash in
 * place of its own (the record that list keyed), when that record is here.
 */
async function listPatchedFrom(
  res: Resources,
  manifest: Manifest,
): Promise<{ reader: ChunkReader; spans: PatchedSpan[] } | undefined> {
  const basis = basisOf(manifest);
  if (basis === undefined) return undefined;
  const key = hashValue({ ...manifest, inputs: basis.hash });
  const entry = await res.lookup<ManifestEntry>(manifestKey(key));
  if (!entry || typeof entry !== 'object' || !('m' in entry) || typeof entry.inputList !== 'string') return undefined;
  // Its list is the basis only if its key comes out with the basis's hash (an entry of another shape does not).
  if (hashValue({ ...entry.m, inputs: basis.hash }) !== key) return undefined;
  const chunks = await res.soundRecords(entry.inputList);
  return chunks instanceof ChunkList ? { reader: new ChunkReader(res.objects, chunks), spans: basis.spans } : undefined;
}

/**
 * differingLines of an entry's stored input list and `after`. A list in
 * chunks is compared chunk by chunk from both ends first: a chunk whose
 * bytes are `after`'s at the same place (from the start, or from the end)
 * is not hashed, and only the chunks between the first and the last that
 * differ are read verified. A rerun after one edit among 100,000 files
 * hashes a chunk or two of its last list, not 9 MB. Undefined when the
 * list cannot be had whole.
 */
async function differingStoredLines(
  res: Resources,
  entry: ManifestEntry,
  after: Buffer,
): Promise<[Buffer, Buffer] | undefined> {
  if (typeof entry.inputList !== 'string') {
    const text = await inputsBlobText(res, entry);
    return text && differingLines(text, after);
  }
  const chunks = await res.soundRecords(entry.inputList);
  // A list is written in chunks whose cuts are known (DatasetWriter): one stored whole is not a list's, nor readable as one.
  if (!(chunks instanceof ChunkList) || chunks.chunks.some((chunk) => chunk.cut === 'unknown')) return undefined;
  const n = chunks.chunks.length;
  const shift = after.length - chunks.startOf(n);
  /** Whether chunk `i` holds `after`'s bytes from `at` on. */
  const isAt = (i: number, at: number): boolean => {
    const bytes = res.objects.readUnverified((chunks.chunks[i] as { hash: string }).hash);
    return (
      bytes !== undefined &&
      at >= 0 &&
      at + bytes.length <= after.length &&
      bytes.equals(after.subarray(at, at + bytes.length))
    );
  };
  let first = 0;
  while (first < n && isAt(first, chunks.startOf(first))) first++;
  let last = n - 1;
  while (
    last >= first &&
    chunks.startOf(last) + shift >= chunks.startOf(first) &&
    isAt(last, chunks.startOf(last) + shift)
  )
    last--;
  const from = chunks.startOf(first);
  const to = chunks.startOf(last + 1);
  let before: Buffer;
  try {
    before = to > from ? new ChunkReader(res.objects, chunks).read(from, to) : Buffer.alloc(0);
  } catch {
    return undefined; // a chunk lost or damaged since it was checked
  }
  return differingLines(before, after.subarray(from, to + shift));
}

/**
 * differingLines of the entry's input list and `current`'s when `current`'s
 * was patched from it (its key, `fingerprint`, comes out of the list the
 * patch started from): the lines the patch replaced, before and after, are
 * where the two lists differ. Undefined when it was not.
 */
function patchedLines(entry: ManifestEntry, fingerprint: string, current: Manifest): [Buffer, Buffer] | undefined {
  const basis = basisOf(current);
  if (basis === undefined || hashValue({ ...entry.m, inputs: basis.hash }) !== fingerprint) return undefined;
  const { bytes } = manifestListBytes(current);
  return differingLines(basis.replaced, Buffer.concat(basis.spans.map(([, , from, to]) => bytes.subarray(from, to))));
}

/** The input list text of an entry stored as one blob (`inputs`, before lists were chunked), verified; undefined when it cannot be had. */
async function inputsBlobText(res: Resources, entry: ManifestEntry): Promise<Buffer | undefined> {
  if (typeof entry.inputs !== 'string') return undefined;
  const text = (await res.hasBlob(entry.inputs)) ? res.objects.readVerified(entry.inputs) : undefined;
  return Buffer.isBuffer(text) ? text : undefined;
}

/**
 * The stage record of `fingerprint` in the store. An entry of the wrong
 * shape (another build's, or damaged) is a miss and a warning: the stage
 * runs and its new record replaces the entry, where a TypeError here would
 * fail the stage in every run.
 */
export async function lookupRecord(res: Resources, fingerprint: string): Promise<StageRecord | undefined> {
  const key = storeKey(fingerprint);
  const entry = await res.lookup<unknown>(key);
  if (entry === undefined) return undefined;
  const problem = shapeProblem(entry, STAGE_RECORD);
  if (problem === undefined) return entry as StageRecord;
  res.emit({ event: 'warning', message: `cache store entry ${key}: ${problem}; ignoring it` });
  return undefined;
}

/**
 * The manifest a stage record was keyed by (in the store, beside the
 * record), and `current`, to diff. When both input lists are long, each
 * keeps only the lines between the texts' common first and last lines,
 * where every difference lies: a rerun after one edit among 100,000 files
 * parses a line or two, not two lists of 100,000.
 */
export async function loadManifests(
  res: Resources,
  fingerprint: string,
  current: Manifest,
): Promise<[previous: Manifest, current: Manifest] | undefined> {
  const entry = await res.lookup<ManifestEntry>(manifestKey(fingerprint));
  if (!entry || typeof entry !== 'object' || !('m' in entry)) return undefined;
  if (typeof entry.inputList !== 'string' && typeof entry.inputs !== 'string') return [entry.m, current];
  const lines =
    patchedLines(entry, fingerprint, current) ??
    (await differingStoredLines(res, entry, manifestListBytes(current).bytes));
  if (!lines) return undefined;
  const [before, after] = lines;
  const [previousInputs, currentInputs] = [parseInputsText(before.toString()), parseInputsText(after.toString())];
  if (!previousInputs || !currentInputs) return undefined;
  return [
    { ...entry.m, inputs: previousInputs },
    { ...current, inputs: currentInputs },
  ];
}

/** The record of a stage that ran; `ranFrom`: when it got its job slot. */
export function stageRecord(
  stage: StagePlan,
  keyed: Keyed,
  outcome: Extract<ExecuteResult, { ok: true }>,
  ranFrom: number,
): StageRecord {
  return {
    fingerprint: keyed.fingerprint,
    outputFingerprint: outputFingerprint(stage, keyed, outcome),
    // The fingerprint is the manifest's own hash; the manifest itself goes into the store.
    manifest: keyed.fingerprint,
    outputs: outcome.outputs,
    dataset: outcome.dataset,
    createdAt: Date.now(),
    durationMs: Date.now() - ranFrom,
    // A task stage's items are the records it returned, as when it is cached.
    items: outcome.items ?? (outcome.dataset ? recordItems(outcome.dataset.count) : undefined),
    itemManifest: outcome.itemManifest,
  };
}

/**
 * What downstream stages see of a stage that ran: what it produced, its
 * output files and its records, so a stage that reruns with the same results
 * leaves them cached (early cutoff). A stage that produces neither (a check:
 * type-check, lint) produced only its success, the same whenever it passes.
 * Only a stage that writes files it does not declare (cache.sideEffects) is
 * seen by its own key: what it wrote cannot be fingerprinted.
 */
function outputFingerprint(stage: StagePlan, keyed: Keyed, outcome: Extract<ExecuteResult, { ok: true }>): string {
  const hasProducts = outcome.outputs.length > 0 || outcome.dataset !== undefined;
  if (!hasProducts && stage.definition.cache.hasSideEffects) return keyed.fingerprint;
  return hashValue({ outputs: outcome.outputs.map((o) => [o.path, o.hash]), dataset: outcome.dataset?.hash ?? null });
}

/** Keeps a stage's record: in the workspace state, and with its manifest in the store (and its blobs in a shared one). */
export async function keepRecord(
  res: Resources,
  stage: StagePlan,
  record: StageRecord,
  manifest: Manifest,
): Promise<void> {
  res.state.set(stage.id, record);
  const ttl = stage.definition.cache.ttlMs;
  const entry = await manifestEntry(res, manifest, record.createdAt);
  const blobs = [
    ...record.outputs.map((o) => o.hash),
    // An item cache's commit shared its dataset already (before its entry).
    ...(record.dataset && !record.itemManifest ? res.datasetBlobs(record.dataset.hash) : []),
    ...(entry.inputList ? res.datasetBlobs(entry.inputList) : []),
  ];
  await res.shareBlobs(blobs, ttl);
  // Manifest first: whoever finds the stage entry finds its manifest (for `explain`).
  await (await res.store())?.setMany([
    { key: manifestKey(record.fingerprint), value: entry, ttlMs: ttl },
    { key: storeKey(record.fingerprint), value: record, ttlMs: ttl },
  ]);
}

function recordItems(count: number): ItemCounts {
  return { total: count, done: count, cached: 0, failed: 0 };
}

/** Records of a stage's needs: this run's, or the last ones here. */
export function upstreamOf(
  stage: StagePlan,
  results: ReadonlyMap<string, StageRecord>,
  res: Resources,
): Map<string, StageRecord> {
  const upstream = new Map<string, StageRecord>();
  for (const need of stage.definition.needs) {
    const record = results.get(`${stage.pipeline}/${need}`) ?? res.state.get(`${stage.pipeline}/${need}`);
    if (record) upstream.set(need, record);
  }
  return upstream;
}
