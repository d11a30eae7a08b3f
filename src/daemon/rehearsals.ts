// The daemon's rehearsals: runs of a command it makes of itself, so that a
// command's answer finds the stat cache loaded, the code warm, and a pass
// kept that the watch log can vouch for. As it starts, the daemon rehearses
// the no-op it was started after; once a run it handed back is over, that
// run (server.ts, #afterRun). Nothing of a rehearsal is kept or printed: it
// may only be all cached (a stage that would run or be restored hands it
// back, shell stages too), and it writes no run record
// (RunHost.isRehearsal). Its stat pass may save the stat cache, as any
// answer's does. Rehearsals share the daemon's one queue with the commands
// it serves, and give way to them: one queued before a command connected is
// not made, and the one under way is aborted at its next await (most of a
// no-op is a synchronous stat pass, which nothing stops).
import type { HashHelp } from '../cache/stat-cache.js';
import { polled } from './polled.js';
import type { Rehearsal, ServedIo } from './served-io.js';

/**
 * How many times the daemon rehearses as it starts. On simtask's workspace
 * a daemon's first answer took 66 to 100 ms of its own, the second and third
 * 28 to 48 ms, and from the fourth 18 to 30 ms: a cold stat cache, then code
 * not yet compiled to its fastest.
 */
const REHEARSALS = 3;

/**
 * A rehearsal that took this long is the last. Its warm-up is worth tens
 * of milliseconds to an answer that takes as long as it did, and a command
 * that asks while one runs waits for it: most of a no-op is a synchronous
 * stat pass, which no command can stop (over a million files the first
 * rehearsal ended 5.9 s after the daemon started, and a command asked half
 * a second after the start waited 15.9 s for three rehearsals).
 */
const LONG_REHEARSAL_MS = 250;

export interface RehearsalsOptions {
  /** The command line (src/cli's main). */
  main: (io: ServedIo) => Promise<number>;
  hashHelp: HashHelp;
  /** A rehearsal that took this long is the last (LONG_REHEARSAL_MS; tests set it). */
  longMs?: number;
  /** Puts `work` on the daemon's one queue, behind the commands queued. */
  enqueue(work: () => Promise<void>): void;
  /** Runs `work` as what the daemon serves (after a barrier of the watch log, its pre-hasher paused). */
  whileServing(controller: AbortController, work: () => Promise<unknown>): Promise<void>;
  /** Edits the daemon has seen (PreHasher.edits): none is rehearsed after one. */
  edits(): number;
  isStopping(): boolean;
}

/** What the daemon does as it starts, around its rehearsals (Rehearsals.atStart). */
export interface StartSteps {
  /** After the rehearsals: its watchers start. */
  watch(): void;
  /** Whether a pass a rehearsal kept cannot be vouched for (it began before the watchers): then one more follows them. */
  isWorthOneMore(): boolean;
  /** The warm-up is over (daemon.json's readyAt). */
  ready(): void;
}

export class Rehearsals {
  readonly #options: RehearsalsOptions;
  /** Connections of commands so far: a rehearsal queued before the last gives way. */
  #asks = 0;
  #underWay: AbortController | undefined;

  constructor(options: RehearsalsOptions) {
    this.#options = options;
  }

  /** A command connected: the rehearsals queued before give way, and the one under way stops. */
  asked(): void {
    this.#asks++;
    this.#underWay?.abort(new Error('a command asked'));
  }

  /**
   * As the daemon starts: `rehearsal` up to REHEARSALS times, then its
   * watchers start (a second of listing at a million files, which the first
   * answer would otherwise wait for), then one rehearsal more when a long
   * list's pass kept by then began before them (after a rehearsal that took
   * long: after a short one the watchers start before the next), which
   * vouches for nothing: the one after lets the first edit's run be vouched
   * for. Then `ready`.
   */
  atStart(rehearsal: Rehearsal, steps: StartSteps): void {
    const asks = this.#asks;
    this.#options.enqueue(async () => {
      await this.#rehearse(rehearsal, REHEARSALS, asks);
      steps.watch();
      if (steps.isWorthOneMore()) {
        await polled();
        await this.#rehearse(rehearsal, 1, asks);
      }
      if (!this.#options.isStopping()) steps.ready();
    });
  }

  /** `rehearsal` once, unless a command connects first; then `done`. */
  once(rehearsal: Rehearsal, done: () => void): void {
    const asks = this.#asks;
    this.#options.enqueue(async () => {
      await this.#rehearse(rehearsal, 1, asks);
      if (!this.#options.isStopping()) done();
    });
  }

  /**
   * Runs `rehearsal` up to `turns` times, unless a command connected since
   * `asks` or a file is edited (the next run then goes back to its command,
   * which should not share the CPU with more rehearsals). A command that
   * asks is seen when the event loop next polls: while the rehearsal under
   * way waits for the workspace another runner holds (it is then aborted,
   * as an answer is when its command goes away), else once that rehearsal
   * is done, most of a no-op being synchronous. No rehearsal follows one
   * during which a command asked, nor one that took LONG_REHEARSAL_MS, so a
   * command waits for one rehearsal at most.
   */
  async #rehearse(rehearsal: Rehearsal, turns: number, asks: number): Promise<void> {
    const options = this.#options;
    const edits = options.edits();
    const isWanted = (): boolean => this.#asks === asks && !options.isStopping() && options.edits() === edits;
    const longMs = options.longMs ?? LONG_REHEARSAL_MS;
    for (let turn = 0; turn < turns; turn++) {
      // A command that connected during the last rehearsal, whose work was
      // synchronous, is seen only once the event loop polls again: let it,
      // first. (The first rehearsal comes before any answer, as the daemon starts.)
      if (turn > 0) await polled();
      if (!isWanted()) return;
      const controller = new AbortController();
      this.#underWay = controller;
      const startedAt = performance.now();
      try {
        await options.whileServing(controller, () =>
          options.main({
            ...rehearsal,
            stdout: () => {},
            stderr: () => {},
            isTty: false,
            signal: controller.signal,
            host: { name: 'daemon', hashHelp: options.hashHelp, grant: () => 'cached', isRehearsal: true },
            handBack: () => {},
          }),
        );
      } catch {
        // A rehearsal only warms: what failed here, the command's own answer reports.
        return;
      } finally {
        this.#underWay = undefined;
      }
      if (performance.now() - startedAt >= longMs) return;
    }
  }
}
