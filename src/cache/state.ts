// The workspace state (.runner/state.json): for every stage, the record of
// its last successful execution here. It answers "is this stage up to date?"
// without opening the shared store; the store answers "has anyone computed
// this key?" and is consulted only on a miss here.
import { readJsonFile, writeFileAtomic } from '../util/fs.js';
import { arrayOf, isOtherFormat, number, objectOf, optional, recordOf, shapeProblem, string } from '../util/shape.js';
import type { Check } from '../util/shape.js';

export interface OutputRecord {
  path: string;
  hash: string;
  size: number;
  mode: number;
}

export interface DatasetRecord {
  hash: string;
  count: number;
}

export interface ItemCounts {
  total: number;
  done: number;
  cached: number;
  failed: number;
  /**
   * Items done whose results the stage's `cacheable` kept out of the cache
   * (absent when none): a run with any is never reused whole, so the next
   * run asks for those items again.
   */
  uncacheable?: number;
}

/** A map stage's item manifest (a blob) and the item scope it was made under. */
export interface ItemManifestRef {
  scope: string;
  manifest: string;
}

/** One cache entry: what a stage produced under one fingerprint. */
export interface StageRecord {
  fingerprint: string;
  /** What downstream stages see: changes only when the outputs change. */
  outputFingerprint: string;
  /** The manifest the fingerprint was computed from: `manifest:<this>` in the store. */
  manifest: string;
  outputs: OutputRecord[];
  dataset?: DatasetRecord;
  createdAt: number;
  durationMs: number;
  items?: ItemCounts;
  /** Map stages with an item cache: where this run's items are indexed. */
  itemManifest?: ItemManifestRef;
}

const FORMAT = 1;

interface StateFile {
  format: number;
  stages: Record<string, StageRecord>;
}

export const ITEM_COUNTS: Check = objectOf({
  total: number,
  done: number,
  cached: number,
  failed: number,
  uncacheable: optional(number),
});

const OUTPUT_RECORD: Check = objectOf({ path: string, hash: string, size: number, mode: number });

/**
 * A record's outputs: the bulk of a large state.json (tens of thousands),
 * read once per run before V8 has optimised anything, so each is tested
 * with plain property reads and no call; OUTPUT_RECORD says what is wrong
 * with a bad one.
 */
const OUTPUTS: Check = (value) => {
  if (!Array.isArray(value)) return arrayOf(OUTPUT_RECORD)(value);
  for (let i = 0; i < value.length; i++) {
    const output = value[i] as Partial<OutputRecord> | null;
    const isOutput =
      typeof output === 'object' &&
      output !== null &&
      typeof output.path === 'string' &&
      typeof output.hash === 'string' &&
      typeof output.size === 'number' &&
      typeof output.mode === 'number';
    if (!isOutput) return `[${i}]${OUTPUT_RECORD(output)}`;
  }
  return undefined;
};

/** What a StageRecord must look like, wherever one is read back (state.json, the shared store). */
export const STAGE_RECORD: Check = objectOf({
  fingerprint: string,
  outputFingerprint: string,
  manifest: string,
  outputs: OUTPUTS,
  dataset: optional(objectOf({ hash: string, count: number })),
  createdAt: number,
  durationMs: number,
  items: optional(ITEM_COUNTS),
  itemManifest: optional(objectOf({ scope: string, manifest: string })),
});

const STATE_FILE: Check = objectOf({ format: number, stages: recordOf(STAGE_RECORD) });

export interface WorkspaceStateOptions {
  /** Load the state but never save it. */
  isReadOnly?: boolean;
  /** Told, while loading, why a file that is there cannot be used: the state then starts empty. */
  onBadFile?: (message: string) => void;
}

export class WorkspaceState {
  readonly #file: string | undefined;
  readonly #isReadOnly: boolean;
  readonly #stages: Map<string, StageRecord>;
  #isDirty = false;

  /** Without `file` the state lives in memory only. */
  constructor(file?: string, options: WorkspaceStateOptions = {}) {
    this.#file = file;
    this.#isReadOnly = options.isReadOnly === true;
    this.#stages = new Map(file ? loadStages(file, options.onBadFile) : []);
  }

  get(stageId: string): StageRecord | undefined {
    return this.#stages.get(stageId);
  }

  /** Every stage's record. */
  records(): StageRecord[] {
    return [...this.#stages.values()];
  }

  set(stageId: string, record: StageRecord): void {
    this.#stages.set(stageId, record);
    this.#isDirty = true;
  }

  delete(stageId: string): void {
    this.#isDirty = this.#stages.delete(stageId) || this.#isDirty;
  }

  clear(): void {
    this.#stages.clear();
    this.#isDirty = true;
  }

  save(): void {
    if (!this.#file || !this.#isDirty || this.#isReadOnly) return;
    writeFileAtomic(
      this.#file,
      JSON.stringify({ format: FORMAT, stages: Object.fromEntries(this.#stages) } satisfies StateFile),
    );
    this.#isDirty = false;
  }
}

/**
 * The records in `file`: none when there is no file, when it is another
 * runner's format (not damaged, only not ours to read), or when it is not a
 * state file (said through `onBadFile`).
 */
function loadStages(file: string, onBadFile: ((message: string) => void) | undefined): [string, StageRecord][] {
  const read = readJsonFile(file);
  if (read === undefined) return [];
  if ('value' in read && isOtherFormat(read.value, FORMAT)) return [];
  const problem = 'problem' in read ? read.problem : shapeProblem(read.value, STATE_FILE);
  if (problem !== undefined) {
    onBadFile?.(`${file}: ${problem}; ignoring it`);
    return [];
  }
  return Object.entries((read as { value: StateFile }).value.stages);
}
