// What `runner exec` asks of a run, and what it answers.
import type { ConfigPlan } from '../config/types.js';
import type { Graph, Selection } from '../graph/dag.js';
import type { HashHelp } from '../cache/stat-cache.js';
import type { Emit, StageOutcome } from './events.js';
import type { MapRunner } from './execute.js';

export interface RunOptions {
  plan: ConfigPlan;
  graphs: ReadonlyMap<string, Graph>;
  pipelines: readonly string[];
  selection: Selection;
  jobs: number;
  isKeepGoing: boolean;
  /** true: every selected stage; a list: those stages and everything downstream. */
  force: boolean | readonly string[];
  isNoCache: boolean;
  storeUrl: string;
  baseEnv: Readonly<Record<string, string | undefined>>;
  runId: string;
  emit: Emit;
  signal?: AbortSignal;
  runMap?: MapRunner;
  /**
   * Run only if every selected stage is cached (the runner daemon's no-op
   * runs): the first stage that would run or restore ends the run as
   * `deferred`, before any stage has run, and the caller runs it again in
   * a process of its own.
   */
  isOnlyCached?: boolean;
  /** Said in run:start: this run is served by the runner daemon. */
  isDaemon?: boolean;
  /** What the daemon lends the run's hashing. */
  hashHelp?: HashHelp;
}

export interface RunSummary {
  status: 'success' | 'failed' | 'cancelled' | 'deferred';
  counts: Record<StageOutcome, number>;
  durationMs: number;
}
