// Samples process memory on an unref'ed interval, so a forgotten monitor
// never keeps the process alive.
import { availableParallelism } from 'node:os';
import { functionOption, integerOption, optionBag } from './options.js';

export interface MemorySample {
  rss: number;
  heapUsed: number;
}

export interface MemoryMonitorOptions {
  intervalMs?: number;
  /** Injectable for tests; defaults to process.memoryUsage. */
  memoryUsage?: () => MemorySample;
}

export interface MemoryPeak {
  peakRss: number;
  peakHeapUsed: number;
}

export interface MemoryReport extends MemoryPeak {
  samples: number;
}

const OWNER = 'MemoryMonitor';

export class MemoryMonitor {
  readonly #intervalMs: number;
  readonly #memoryUsage: () => MemorySample;
  #timer: NodeJS.Timeout | undefined;
  #peakRss = 0;
  #peakHeapUsed = 0;
  #samples = 0;

  constructor(options?: MemoryMonitorOptions) {
    const bag = optionBag(OWNER, options);
    this.#intervalMs = integerOption(OWNER, bag, 'intervalMs', 100, 1);
    this.#memoryUsage = functionOption<() => MemorySample>(OWNER, bag, 'memoryUsage') ?? (() => process.memoryUsage());
  }

  get isRunning(): boolean {
    return this.#timer !== undefined;
  }

  /** Resets the peaks and starts sampling (immediately, then every intervalMs). Idempotent while running. */
  start(): this {
    if (this.#timer !== undefined) return this;
    this.#peakRss = 0;
    this.#peakHeapUsed = 0;
    this.#samples = 0;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
    this.#timer.unref();
    return this;
  }

  /** Takes a last sample, stops the timer and returns the peaks of this run. */
  stop(): MemoryReport {
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#sample();
    }
    return { ...this.peak(), samples: this.#samples };
  }

  peak(): MemoryPeak {
    return { peakRss: this.#peakRss, peakHeapUsed: this.#peakHeapUsed };
  }

  #sample(): void {
    const { rss, heapUsed } = this.#memoryUsage();
    this.#samples += 1;
    if (rss > this.#peakRss) this.#peakRss = rss;
    if (heapUsed > this.#peakHeapUsed) this.#peakHeapUsed = heapUsed;
  }
}

/**
 * CPU time used since `startUsage` (from process.cpuUsage()) as a fraction of
 * what all cores could have done in `elapsedMs`: 1 means every core was busy.
 */
export function cpuUtilisation(
  startUsage: NodeJS.CpuUsage,
  elapsedMs: number,
  cores: number = availableParallelism(),
): number {
  if (!Number.isFinite(elapsedMs) || elapsedMs < 0) {
    throw new TypeError(`cpuUtilisation: elapsedMs must be a finite number >= 0, got ${elapsedMs}`);
  }
  if (elapsedMs === 0) return 0;
  const { user, system } = process.cpuUsage(startUsage);
  return (user + system) / 1000 / elapsedMs / cores;
}
