// How each stage of a run ended: its stage:end event, and the run's counts
// by outcome (run:end reports them).
import type { ItemCounts } from '../cache/state.js';
import { listedWhy } from '../cache/why.js';
import type { Why } from '../cache/why.js';
import type { StagePlan } from '../config/types.js';
import type { Emit, Failure, StageOutcome } from './events.js';
import { NO_ITEMS } from './events.js';

export interface Ended {
  outcome: StageOutcome;
  reason: string;
  /** When the stage started (for a stage that ran: when it got its job slot). */
  startedAt: number;
  /** How long it held a job slot (stages that ran). */
  slotMs?: number;
  why?: Why;
  failure?: Failure;
  key?: string;
  items?: ItemCounts;
  attempts?: number;
  peakRssBytes?: number;
}

/** A count of 0 for each outcome: a run's counts before any stage ended. */
export function noOutcomes(): Record<StageOutcome, number> {
  return { ran: 0, cached: 0, restored: 0, failed: 0, cancelled: 0, blocked: 0 };
}

export class StageEnds {
  readonly counts = noOutcomes();
  readonly #emit: Emit;
  readonly #ended = new Set<string>();

  constructor(emit: Emit) {
    this.#emit = emit;
  }

  hasEnded(stage: StagePlan): boolean {
    return this.#ended.has(stage.id);
  }

  end(stage: StagePlan, fields: Ended): void {
    this.#ended.add(stage.id);
    this.counts[fields.outcome]++;
    this.#emit({
      event: 'stage:end',
      pipeline: stage.pipeline,
      stage: stage.name,
      outcome: fields.outcome,
      reason: fields.reason,
      why: fields.why && listedWhy(fields.why),
      failure: fields.failure,
      key: fields.key,
      durationMs: Date.now() - fields.startedAt,
      slotMs: fields.slotMs,
      items: fields.items ?? NO_ITEMS,
      attempts: fields.attempts,
      peakRssBytes: fields.peakRssBytes,
    });
  }
}
