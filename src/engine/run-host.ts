// Where a run runs: a command's own process, or a resident process (the
// daemon, src/daemon/) that runs only what cannot go stale in it and lends
// the run what it keeps between runs. The engine asks its host; it never
// knows which one it has.
import type { HashHelp } from '../cache/stat-cache.js';
import type { StagePlan } from '../config/types.js';

/**
 * What a run may do where it is:
 * - `all`: every stage runs here, whatever it decides;
 * - `cached`: only a run whose every stage is cached: the first stage that
 *   would run or be restored hands the run back, before anything ran or was
 *   written, and its events are held until the run is known to be all cached;
 * - `none`: the run is handed back at once, before any key.
 */
export type RunGrant = 'all' | 'cached' | 'none';

export interface RunHost {
  /** Said in run:start when it is not a command's own process. */
  readonly name?: 'daemon';
  /** What the host lends the run's hashing (a stat cache kept between runs, files hashed ahead). */
  readonly hashHelp?: HashHelp;
  /** What a run of `stages` (the selected ones) may do here. */
  grant(stages: readonly StagePlan[]): RunGrant;
  /** A run the host makes of itself, to warm up (the daemon's, as it starts): it keeps no run record. */
  readonly isRehearsal?: boolean;
}

/** A command's own process: everything runs here. */
export const LOCAL_HOST: RunHost = { grant: () => 'all' };
