// One rule, used by the command before it asks and by the daemon before it
// answers: a plain `exec`, with the daemon wanted by the environment.
import { describe, expect, it } from 'vitest';
import { daemonMayServe } from '../../src/daemon/serve-rule.js';

const LOCAL = {};
const CI = { CI: 'true' };

describe('which commands the daemon may serve', () => {
  it.each([
    [['exec', 'p'], LOCAL, true],
    [['exec', 'p', 'q', '--json', '--only', 'a', '-j', '2'], LOCAL, true],
    [['status', 'p'], LOCAL, false],
    [['exec', 'p', '--watch'], LOCAL, false],
    [['exec', 'p', '-w'], LOCAL, false],
    // Short options given together: -w among them watches.
    [['exec', 'p', '-kw'], LOCAL, false],
    [['exec', 'p', '-wk'], LOCAL, false],
    [['exec', 'p', '-kj2'], LOCAL, true],
    // A value is no option: `-p w=1` sets the param w.
    [['exec', 'p', '-pw=1'], LOCAL, true],
    [['exec', 'p', '--force'], LOCAL, false],
    [['exec', 'p', '--force=a'], LOCAL, false],
    [['exec', 'p', '--dry-run'], LOCAL, false],
    [['exec', 'p', '--no-cache'], LOCAL, false],
    [['exec', 'p', '--report', 'r.html'], LOCAL, false],
    [['exec', 'p', '-C', 'other'], LOCAL, false],
    [['exec', 'p', '-fpipelines.yaml'], LOCAL, false],
    [['exec', 'p', '-kCother'], LOCAL, false],
    [['exec', 'p', '-kf', 'other.yaml'], LOCAL, false],
    [['exec', 'p'], CI, false],
    [['exec', 'p'], { CI: 'false' }, true],
    [['exec', 'p'], { CI: 'true', RUNNER_DAEMON: '1' }, true],
    [['exec', 'p'], { RUNNER_DAEMON: '0' }, false],
  ])('%j with %j: %s', (argv, env, expected) => {
    expect(daemonMayServe(argv, env)).toBe(expected);
  });
});
