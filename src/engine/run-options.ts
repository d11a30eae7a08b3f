// What `runner exec` asks of a run, and what it answers.
import type { SharedAccess } from '../cache/tiered-store.js';
import type { ConfigPlan } from '../config/types.js';
import type { Graph, Selection } from '../graph/dag.js';
import type { Emit, StageOutcome } from './events.js';
import type { MapRunner } from './execute.js';
import type { WorkersAddress } from './map/remote-protocol.js';
import type { RunHost } from './run-host.js';

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
  /** How a shared store may be used (read-only, signing key). */
  shared?: SharedAccess;
  baseEnv: Readonly<Record<string, string | undefined>>;
  runId: string;
  emit: Emit;
  signal?: AbortSignal;
  runMap?: MapRunner;
  /** Where the run runs (default: this process, which admits everything). */
  host?: RunHost;
  /** Called before run:start when the host runs every stage of this run (RunHost.grant `all`): events held for a hand-back may flow. */
  onWhole?: () => void;
  /** Why the daemon handed this run back to the command, when it did (run:start says so). */
  handedBack?: string;
  /** Remote workers' queue: map stages with isolate worker|process compute their batches there. */
  workers?: WorkersAddress;
}

export interface RunSummary {
  /** handed-back: the host did not admit a stage (RunHost.grant); nothing ran. */
  status: 'success' | 'failed' | 'cancelled' | 'handed-back';
  counts: Record<StageOutcome, number>;
  durationMs: number;
}
