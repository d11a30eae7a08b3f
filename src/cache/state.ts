// The workspace state (.runner/state.json): for every stage, the record of
// its last successful execution here. It answers "is this stage up to date?"
// without opening the shared store; the store answers "has anyone computed
// this key?" and is consulted only on a miss here.
import { readJsonOrUndefined, writeFileAtomic } from '../util/fs.js';

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

export class WorkspaceState {
  readonly #file: string | undefined;
  readonly #isReadOnly: boolean;
  readonly #stages: Map<string, StageRecord>;
  #isDirty = false;

  /** Without `file` the state lives in memory only; `isReadOnly` loads it but never saves. */
  constructor(file?: string, options: { isReadOnly?: boolean } = {}) {
    this.#file = file;
    this.#isReadOnly = options.isReadOnly === true;
    const loaded = file ? readJsonOrUndefined<StateFile>(file) : undefined;
    this.#stages = new Map(loaded?.format === FORMAT ? Object.entries(loaded.stages) : []);
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
