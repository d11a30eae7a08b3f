// Reporters are sinks on the one event stream, combined by a composite.
import type { EventInput, RunEvent } from '../engine/events.js';

export interface Sink {
  handle(event: RunEvent): void;
  /** Called once after run:end (flush files, stop timers). */
  close?(): void | Promise<void>;
}

export class CompositeSink {
  readonly #sinks: Sink[];
  constructor(sinks: Sink[]) {
    this.#sinks = sinks;
  }

  readonly emit = (input: EventInput): void => {
    const event = { ...input, time: new Date().toISOString() } as RunEvent;
    for (const sink of this.#sinks) sink.handle(event);
  };

  async close(): Promise<void> {
    for (const sink of this.#sinks) await sink.close?.();
  }
}

/** `--json`: one event per line on stdout. */
export class JsonSink implements Sink {
  readonly #write: (text: string) => void;
  constructor(write: (text: string) => void) {
    this.#write = write;
  }
  handle(event: RunEvent): void {
    this.#write(`${JSON.stringify(event)}\n`);
  }
}
