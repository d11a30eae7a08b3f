// Peak memory per stage and CPU use of the run, sampled on an unref'ed timer.
import os from 'node:os';

export class UsageSampler {
  readonly #active = new Map<string, number>();
  readonly #peaks = new Map<string, number>();
  readonly #cpuStart = process.cpuUsage();
  readonly #timer: NodeJS.Timeout;
  #peakRss = process.memoryUsage.rss();
  /** The last sample: stages starting and ending between samples use it (rss() is a syscall). */
  #lastRss = this.#peakRss;

  constructor(intervalMs = 100) {
    this.#timer = setInterval(() => this.#sample(), intervalMs);
    this.#timer.unref();
  }

  get peakRss(): number {
    this.#sample();
    return this.#peakRss;
  }

  begin(id: string): void {
    this.#active.set(id, this.#lastRss);
  }

  finish(id: string): void {
    const peak = this.#active.get(id);
    this.#active.delete(id);
    if (peak !== undefined) this.#peaks.set(id, peak);
  }

  peakOf(id: string): number | undefined {
    return this.#peaks.get(id);
  }

  /** Share of all cores' time this process used since it started sampling (0..1). */
  cpuUtilisation(elapsedMs: number): number {
    const used = process.cpuUsage(this.#cpuStart);
    const cpuMs = (used.user + used.system) / 1000;
    return elapsedMs > 0 ? Math.min(1, cpuMs / (elapsedMs * os.availableParallelism())) : 0;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #sample(): void {
    const rss = process.memoryUsage.rss();
    this.#lastRss = rss;
    if (rss > this.#peakRss) this.#peakRss = rss;
    for (const [id, peak] of this.#active) if (rss > peak) this.#active.set(id, rss);
  }
}
