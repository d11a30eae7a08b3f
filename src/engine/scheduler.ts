// Walks a DAG: starts every node whose needs are done, as soon as they are.
// How a node runs (and how many run at once) is the caller's `visit`; this
// module only decides order, blocking and cancellation, so it is tested on
// plain graphs.

export type VisitResult = 'ok' | 'failed' | 'cancelled';

export interface ScheduleNode {
  id: string;
  /** Ids of nodes in this schedule that must finish first. */
  needs: readonly string[];
}

export interface ScheduleOptions {
  nodes: readonly ScheduleNode[];
  /** Runs one node; gets a signal that aborts on fail-fast or interruption. */
  visit(id: string, signal: AbortSignal): Promise<VisitResult>;
  /** A node that will never run: downstream of a failure (`blocked`) or stopped (`cancelled`). */
  skip(id: string, outcome: 'blocked' | 'cancelled', cause: string): void;
  isKeepGoing: boolean;
  signal?: AbortSignal;
}

export interface ScheduleResult {
  failed: string[];
  isInterrupted: boolean;
}

export async function schedule(options: ScheduleOptions): Promise<ScheduleResult> {
  const { visit, skip, isKeepGoing } = options;
  const byId = new Map(options.nodes.map((n) => [n.id, n]));
  // One entry per id: a repeated id would otherwise never let `settled` reach the count.
  const nodes = [...byId.values()];
  if (nodes.length === 0) return { failed: [], isInterrupted: false };
  const dependents = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  const waitingOn = new Map<string, number>();
  for (const node of nodes) {
    const needs = [...new Set(node.needs)].filter((need) => byId.has(need));
    waitingOn.set(node.id, needs.length);
    for (const need of needs) dependents.get(need)?.push(node.id);
  }
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) stop.abort(options.signal.reason);

  const settled = new Set<string>();
  const started = new Set<string>();
  const failed: string[] = [];
  let running = 0;
  let finish!: () => void;
  let crash!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    crash = reject;
  });

  const settle = (id: string): void => {
    settled.add(id);
    if (settled.size === nodes.length) finish();
  };
  const skipDownstream = (id: string, outcome: 'blocked' | 'cancelled', cause: string): void => {
    for (const next of dependents.get(id) ?? []) {
      if (settled.has(next)) continue;
      skip(next, outcome, cause);
      settle(next);
      skipDownstream(next, outcome, cause);
    }
  };
  const cancelPending = (cause: string): void => {
    for (const node of nodes) {
      if (settled.has(node.id) || started.has(node.id)) continue;
      skip(node.id, 'cancelled', cause);
      settle(node.id);
    }
  };
  const start = (id: string): void => {
    if (stop.signal.aborted) return;
    started.add(id);
    running++;
    // A visit that throws before returning its promise fails like one that rejects.
    new Promise<VisitResult>((resolve) => resolve(visit(id, stop.signal)))
      .catch((): VisitResult => 'failed')
      .then((result) => {
        running--;
        if (result === 'ok') {
          for (const next of dependents.get(id) ?? []) {
            const left = (waitingOn.get(next) ?? 1) - 1;
            waitingOn.set(next, left);
            if (left === 0 && !settled.has(next)) start(next);
          }
        } else {
          if (result === 'failed') failed.push(id);
          skipDownstream(id, result === 'failed' ? 'blocked' : 'cancelled', id);
          if (result === 'failed' && !isKeepGoing && !stop.signal.aborted) stop.abort(new Error(`${id} failed`));
        }
        settle(id);
        if (stop.signal.aborted) cancelPending(options.signal?.aborted ? 'interrupted' : `${failed[0] ?? id} failed`);
        if (running === 0 && settled.size < nodes.length) cancelPending('nothing left to run');
      })
      // A throwing `skip` (a caller's bug) must end the run, not leave it waiting forever.
      .catch(crash);
  };

  if (stop.signal.aborted) cancelPending('interrupted');
  else for (const node of nodes) if (waitingOn.get(node.id) === 0) start(node.id);
  // Nothing ready at all (every node waits on a cycle): settle instead of waiting forever.
  if (running === 0 && settled.size < nodes.length) cancelPending('nothing left to run');
  try {
    await done;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  return { failed, isInterrupted: options.signal?.aborted === true };
}
