// A scheduler run the test drives by hand: every visit stays pending until
// the test settles it, so order and cancellation are checked without sleeps.
import { schedule } from '../../src/engine/scheduler.js';
import type { ScheduleNode, ScheduleResult, VisitResult } from '../../src/engine/scheduler.js';

export interface Harness {
  /** Ids in the order their visit started. */
  started: string[];
  /** `id -> [outcome, cause]` for every node the scheduler skipped. */
  skipped: Map<string, ['blocked' | 'cancelled', string]>;
  signalOf(id: string): AbortSignal;
  /** Settles a running visit and lets the scheduler react. */
  settle(id: string, result: VisitResult | Error): Promise<void>;
  result: Promise<ScheduleResult>;
  /** Whether schedule() has resolved (after a flush). */
  isDone(): boolean;
}

export function graph(needs: Record<string, string[]>): ScheduleNode[] {
  return Object.entries(needs).map(([id, list]) => ({ id, needs: list }));
}

export async function flush(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export async function startSchedule(
  nodes: ScheduleNode[],
  options: { isKeepGoing?: boolean; signal?: AbortSignal } = {},
): Promise<Harness> {
  const started: string[] = [];
  const skipped = new Map<string, ['blocked' | 'cancelled', string]>();
  const signals = new Map<string, AbortSignal>();
  const settlers = new Map<string, (result: VisitResult | Error) => void>();
  let isDone = false;
  const result = schedule({
    nodes,
    isKeepGoing: options.isKeepGoing ?? false,
    signal: options.signal,
    visit: (id, signal) => {
      if (started.includes(id)) throw new Error(`${id} visited twice`);
      started.push(id);
      signals.set(id, signal);
      return new Promise<VisitResult>((resolve, reject) => {
        settlers.set(id, (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)));
      });
    },
    skip: (id, outcome, cause) => {
      if (skipped.has(id) || started.includes(id)) throw new Error(`${id} skipped after it was settled`);
      skipped.set(id, [outcome, cause]);
    },
  });
  void result.then(() => (isDone = true));
  await flush();
  return {
    started,
    skipped,
    result,
    isDone: () => isDone,
    signalOf(id) {
      const signal = signals.get(id);
      if (!signal) throw new Error(`${id} never started`);
      return signal;
    },
    async settle(id, outcome) {
      const settleVisit = settlers.get(id);
      if (!settleVisit) throw new Error(`${id} is not running`);
      settlers.delete(id);
      settleVisit(outcome);
      await flush();
    },
  };
}
