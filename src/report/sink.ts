// Reporters are sinks on the one event stream, combined by a composite.
import type { EventInput, RunEvent } from '../engine/events.js';

export interface Sink {
  handle(event: RunEvent): void;
  /** Called once after run:end (flush files, stop timers). */
  close?(): void | Promise<void>;
}

export class CompositeSink {
  readonly #sinks: Sink[];
  /** Events kept back until release() (a daemon run that may yet be handed back). */
  #held: RunEvent[] | undefined;

  constructor(sinks: Sink[], options: { isHeld?: boolean } = {}) {
    this.#sinks = sinks;
    this.#held = options.isHeld ? [] : undefined;
  }

  readonly emit = (input: EventInput): void => {
    const event = { ...input, time: new Date().toISOString() } as RunEvent;
    if (this.#held) this.#held.push(event);
    else for (const sink of this.#sinks) sink.handle(event);
  };

  /** Hands the sinks the events held so far; later ones go to them directly. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const event of held) for (const sink of this.#sinks) sink.handle(event);
  }

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
