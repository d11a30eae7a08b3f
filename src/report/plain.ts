// Plain, timestamped lines for logs and CI: no escape codes, and at most one
// progress line per stage every few seconds.
import type { RunEvent, StageEndEvent } from '../engine/events.js';
import { formatMs } from './format.js';
import type { Sink } from './sink.js';
import { runEndLine } from './stage-table.js';

export interface PlainOptions {
  write(text: string): void;
  /** Minimum time between two progress lines of one stage. */
  progressEveryMs?: number;
  /** Clock for the timestamps (tests pass a fixed one). */
  clock?: (event: RunEvent) => string;
}

export class PlainSink implements Sink {
  readonly #write: (text: string) => void;
  readonly #progressEveryMs: number;
  readonly #clock: (event: RunEvent) => string;
  readonly #lastProgress = new Map<string, number>();

  constructor(options: PlainOptions) {
    this.#write = options.write;
    this.#progressEveryMs = options.progressEveryMs ?? 5000;
    this.#clock = options.clock ?? ((event) => event.time.slice(11, 19));
  }

  handle(event: RunEvent): void {
    const line = this.#render(event);
    if (line !== undefined) this.#write(`[${this.#clock(event)}] ${line}\n`);
  }

  #render(event: RunEvent): string | undefined {
    switch (event.event) {
      case 'run:start':
        return `run ${event.runId}: ${event.pipelines.join(', ')} (${event.stages.length} stage${event.stages.length === 1 ? '' : 's'}, jobs ${event.jobs})`;
      case 'stage:start':
        return undefined;
      case 'stage:progress': {
        const id = `${event.pipeline}/${event.stage}`;
        const now = Date.parse(event.time);
        const last = this.#lastProgress.get(id);
        if (last !== undefined && now - last < this.#progressEveryMs) return undefined;
        this.#lastProgress.set(id, now);
        const total = event.total === null ? '' : `/${event.total}`;
        return `${id}: ${event.done}${total} items${event.cached > 0 ? `, ${event.cached} cached` : ''}`;
      }
      case 'stage:log':
        return `${event.pipeline}/${event.stage} | ${event.line}`;
      case 'stage:end':
        // Cached stages are the common case of a rerun; the run:end line counts them.
        return event.outcome === 'cached' ? undefined : stageEndLine(event);
      case 'warning':
        return `warning: ${event.stage ? `${event.pipeline}/${event.stage}: ` : ''}${event.message}`;
      case 'run:end':
        return runEndLine(event);
      default:
        return undefined;
    }
  }
}

export function stageEndLine(event: StageEndEvent): string {
  const id = `${event.pipeline}/${event.stage}`;
  const items =
    event.items.total > 0
      ? `, ${event.items.total} items (${event.items.cached} cached${event.items.failed > 0 ? `, ${event.items.failed} failed` : ''})`
      : '';
  switch (event.outcome) {
    case 'ran':
      return `${id}: ran in ${formatMs(event.durationMs)} (${event.reason})${items}`;
    case 'cached':
      return `${id}: cached${items}`;
    case 'restored':
      return `${id}: restored (${event.reason})`;
    case 'failed':
      return `${id}: FAILED after ${formatMs(event.durationMs)}: ${event.reason}${items}`;
    case 'cancelled':
      return `${id}: cancelled (${event.reason})`;
    case 'blocked':
      return `${id}: blocked (${event.reason})`;
    default:
      return id;
  }
}
