// The one event stream. The engine emits these; reporters (terminal, --json,
// run record, HTML) render them. The shapes are a contract (DESIGN.md,
// Events): add fields, never rename or remove one.
import type { ItemCounts } from '../cache/state.js';
import type { Why } from '../cache/why.js';

export type StageOutcome = 'ran' | 'cached' | 'restored' | 'failed' | 'cancelled' | 'blocked';
export type RunStatus = 'success' | 'failed' | 'cancelled';

/** Why a stage failed, as data; `reason` in stage:end is its rendering. */
export type Failure =
  | { kind: 'exit-non-zero'; code: number; stderrTail: string[] }
  | { kind: 'killed'; signal: string }
  | { kind: 'timeout'; afterMs: number }
  /** `at`: where in the workspace's code it was thrown (`stages/s.ts:4:12`). */
  | { kind: 'error'; message: string; stack?: string; at?: string }
  | { kind: 'items-failed'; failed: number; first: { item: string; message: string }[] }
  | { kind: 'output-not-written'; path: string; isDirectory?: true }
  | { kind: 'bad-module'; message: string }
  | { kind: 'upstream-missing'; stage: string }
  /** The records of `stage` (an upstream) were gone from the object store, or corrupt there and removed. */
  | { kind: 'upstream-records-lost'; stage: string; problem: 'missing' | 'corrupt' }
  | { kind: 'input-missing'; path: string }
  | { kind: 'cache-error'; message: string };

export interface RunStartEvent {
  event: 'run:start';
  time: string;
  runId: string;
  pipelines: string[];
  stages: { pipeline: string; stage: string; needs: string[] }[];
  jobs: number;
  dryRun: boolean;
  /** Served by the runner daemon (a no-op run answered by a resident process). */
  daemon?: boolean;
  /** Why the daemon handed this run back to the command, when it did. */
  handedBack?: string;
}

export interface StageStartEvent {
  event: 'stage:start';
  time: string;
  pipeline: string;
  stage: string;
  key: string;
}

export interface StageProgressEvent {
  event: 'stage:progress';
  time: string;
  pipeline: string;
  stage: string;
  done: number;
  total: number | null;
  cached: number;
}

export interface StageLogEvent {
  event: 'stage:log';
  time: string;
  pipeline: string;
  stage: string;
  stream: 'stdout' | 'stderr' | 'log';
  line: string;
}

export interface StageEndEvent {
  event: 'stage:end';
  time: string;
  pipeline: string;
  stage: string;
  outcome: StageOutcome;
  reason: string;
  why?: Why;
  failure?: Failure;
  key?: string;
  durationMs: number;
  /** Of durationMs, the part it held one of the run's `jobs` slots (stages that ran); recording came after. */
  slotMs?: number;
  items: ItemCounts;
  attempts?: number;
  peakRssBytes?: number;
}

/** A batch of a map stage that a remote worker computed (`--workers`); batches computed here have none. */
export interface StageBatchEvent {
  event: 'stage:batch';
  time: string;
  pipeline: string;
  stage: string;
  /** Its job id: `<runId>/<pipeline>/<stage>/<first item>+<items>`, then `/<attempt>` for a retry. */
  batch: string;
  items: number;
  /** hostname:pid of the `runner worker` whose answer was taken. */
  worker: string;
  computeMs: number;
  /** From queueing the batch to having its results here: minus computeMs, the queue's overhead. */
  roundTripMs: number;
  /** Times a worker started it: more than 1 when a worker died holding it and another one redid it. */
  starts: number;
}

export interface WarningEvent {
  event: 'warning';
  time: string;
  message: string;
  pipeline?: string;
  stage?: string;
}

export interface RunEndEvent {
  event: 'run:end';
  time: string;
  runId: string;
  status: RunStatus;
  durationMs: number;
  counts: Record<StageOutcome, number>;
  peakRssBytes: number;
  cpuUtilisation: number;
  /** Files of long input lists not stat'ed: the daemon's watchers vouched that nothing happened to them (src/daemon/watch-log.ts). */
  filesVouched?: number;
}

export type RunEvent =
  | RunStartEvent
  | StageStartEvent
  | StageProgressEvent
  | StageLogEvent
  | StageEndEvent
  | StageBatchEvent
  | WarningEvent
  | RunEndEvent;

/** Distributes on every member of the union, so each object literal keeps its own fields. */
type WithoutTime<E> = E extends RunEvent ? Omit<E, 'time'> : never;
export type EventInput = WithoutTime<RunEvent>;

export type Emit = (event: EventInput) => void;

export const NO_ITEMS: ItemCounts = Object.freeze({ total: 0, done: 0, cached: 0, failed: 0 });
