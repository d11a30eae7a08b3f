// Where a run runs: a command's own process, or a resident process (the
// daemon, src/daemon/) that serves only runs where every stage is cached
// and lends the run what it keeps between runs. The engine asks its host;
// it never knows which one it has.
import type { HashHelp } from '../cache/stat-cache.js';

export interface RunHost {
  /** Said in run:start when it is not a command's own process. */
  readonly name?: 'daemon';
  /** What the host lends the run's hashing (a stat cache kept between runs, files hashed ahead). */
  readonly hashHelp?: HashHelp;
  /**
   * Whether a stage that decided `action` may go on here. No: the run stops
   * before any stage has run or been restored, as `handed-back`, for the
   * caller to run it somewhere that admits everything.
   */
  admits(action: 'cached' | 'restore' | 'run'): boolean;
  /** Events are held until the run is known to be admitted whole (a run may yet be handed back). */
  readonly holdsEvents: boolean;
}

/** A command's own process: everything runs here. */
export const LOCAL_HOST: RunHost = { admits: () => true, holdsEvents: false };
