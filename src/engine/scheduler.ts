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
  const walk = new Walk(options);
  try {
    return await walk.run();
  } finally {
    walk.release();
  }
}

class Walk {
  readonly #options: ScheduleOptions;
  /** One entry per id: a repeated id would otherwise never let `settled` reach the count. */
  readonly #nodes: ScheduleNode[];
  readonly #dependents = new Map<string, string[]>();
  readonly #waitingOn = new Map<string, number>();
  readonly #stop = new AbortController();
  readonly #onOuterAbort = (): void => this.#stop.abort(this.#options.signal?.reason);
  readonly #settled = new Set<string>();
  readonly #started = new Set<string>();
  readonly #failed: string[] = [];
  #running = 0;
  #finish!: () => void;
  #crash!: (error: unknown) => void;

  constructor(options: ScheduleOptions) {
    this.#options = options;
    const byId = new Map(options.nodes.map((n) => [n.id, n]));
    this.#nodes = [...byId.values()];
    for (const node of this.#nodes) this.#dependents.set(node.id, []);
    for (const node of this.#nodes) {
      const needs = [...new Set(node.needs)].filter((need) => byId.has(need));
      this.#waitingOn.set(node.id, needs.length);
      for (const need of needs) this.#dependents.get(need)?.push(node.id);
    }
    options.signal?.addEventListener('abort', this.#onOuterAbort, { once: true });
    if (options.signal?.aborted) this.#stop.abort(options.signal.reason);
  }

  async run(): Promise<ScheduleResult> {
    if (this.#nodes.length === 0) return { failed: [], isInterrupted: false };
    const done = new Promise<void>((resolve, reject) => {
      this.#finish = resolve;
      this.#crash = reject;
    });
    if (this.#stop.signal.aborted) this.#cancelPending('interrupted');
    else for (const node of this.#nodes) if (this.#waitingOn.get(node.id) === 0) this.#start(node.id);
    // Nothing ready at all (every node waits on a cycle): settle instead of waiting forever.
    if (this.#running === 0 && this.#settled.size < this.#nodes.length) this.#cancelPending('nothing left to run');
    await done;
    return { failed: this.#failed, isInterrupted: this.#options.signal?.aborted === true };
  }

  release(): void {
    this.#options.signal?.removeEventListener('abort', this.#onOuterAbort);
  }

  #start(id: string): void {
    if (this.#stop.signal.aborted) return;
    this.#started.add(id);
    this.#running++;
    // A visit that throws before returning its promise fails like one that rejects.
    new Promise<VisitResult>((resolve) => resolve(this.#options.visit(id, this.#stop.signal)))
      .catch((): VisitResult => 'failed')
      .then((result) => this.#visited(id, result))
      // A throwing `skip` (a caller's bug) must end the run, not leave it waiting forever.
      .catch(this.#crash);
  }

  #visited(id: string, result: VisitResult): void {
    this.#running--;
    if (result === 'ok') {
      for (const next of this.#dependents.get(id) ?? []) {
        const left = (this.#waitingOn.get(next) ?? 1) - 1;
        this.#waitingOn.set(next, left);
        if (left === 0 && !this.#settled.has(next)) this.#start(next);
      }
    } else {
      if (result === 'failed') this.#failed.push(id);
      this.#skipDownstream(id, result === 'failed' ? 'blocked' : 'cancelled', id);
      if (result === 'failed' && !this.#options.isKeepGoing && !this.#stop.signal.aborted)
        this.#stop.abort(new Error(`${id} failed`));
    }
    this.#settle(id);
    if (this.#stop.signal.aborted)
      this.#cancelPending(this.#options.signal?.aborted ? 'interrupted' : `${this.#failed[0] ?? id} failed`);
    if (this.#running === 0 && this.#settled.size < this.#nodes.length) this.#cancelPending('nothing left to run');
  }

  #settle(id: string): void {
    this.#settled.add(id);
    if (this.#settled.size === this.#nodes.length) this.#finish();
  }

  #skipDownstream(id: string, outcome: 'blocked' | 'cancelled', cause: string): void {
    for (const next of this.#dependents.get(id) ?? []) {
      if (this.#settled.has(next)) continue;
      this.#options.skip(next, outcome, cause);
      this.#settle(next);
      this.#skipDownstream(next, outcome, cause);
    }
  }

  #cancelPending(cause: string): void {
    for (const node of this.#nodes) {
      if (this.#settled.has(node.id) || this.#started.has(node.id)) continue;
      this.#options.skip(node.id, 'cancelled', cause);
      this.#settle(node.id);
    }
  }
}
