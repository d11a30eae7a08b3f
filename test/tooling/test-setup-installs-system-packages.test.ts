// `npm test` first makes Redis and Chromium present (scripts/test-setup.mjs).
// The script runs for real here with a PATH of stand-ins: a fake apt-get
// that logs its arguments and "installs" a package by putting an executable
// of its name beside itself, so no system package is touched.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isDebianLike, SYSTEM_PACKAGES, setUpPlan } from '../../scripts/test-setup.mjs';
import { REPO } from '../e2e/rig.js';

const isRoot = process.getuid?.() === 0;
const FAKE_APT_GET = `#!/bin/sh
echo "$*" >> "\${0%/*}/apt-get.log"
if [ "$1" = install ]; then
  for arg in "$@"; do
    case "$arg" in -*|install) ;; *) printf '#!/bin/sh\\n' > "\${0%/*}/$arg"; /bin/chmod +x "\${0%/*}/$arg" ;; esac
  done
fi
`;

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A world-readable copy of the script and a bin directory holding a fake apt-get and the given commands. */
function sandbox(present: string[]): { script: string; bin: string; aptLog: () => string[] } {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-test-setup-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const [name, text] of [['apt-get', FAKE_APT_GET], ...present.map((c) => [c, '#!/bin/sh\n'])] as const)
    fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
  const script = path.join(dir, 'test-setup.mjs');
  fs.copyFileSync(path.join(REPO, 'scripts', 'test-setup.mjs'), script);
  fs.chmodSync(dir, 0o777);
  const log = path.join(bin, 'apt-get.log');
  return { script, bin, aptLog: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []) };
}

function runSetUp(script: string, bin: string, options: { asUser?: boolean } = {}) {
  const command = options.asUser && isRoot ? '/usr/bin/setpriv' : process.execPath;
  const dropRoot = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath];
  const args = options.asUser && isRoot ? [...dropRoot, script] : [script];
  return spawnSync(command, args, { cwd: dir, env: { PATH: bin }, encoding: 'utf8' });
}

describe('the test set-up', () => {
  it('does nothing, and runs no apt-get at all, when every package is present', () => {
    const { script, bin, aptLog } = sandbox(['redis-server', 'chromium']);
    const result = runSetUp(script, bin);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(aptLog()).toEqual([]);
  });

  it.runIf(isRoot && isDebianLike(fs.readFileSync('/etc/os-release', 'utf8')))(
    'as root on Debian, installs only the missing packages with apt-get, once',
    () => {
      const { script, bin, aptLog } = sandbox(['chromium']);
      const first = runSetUp(script, bin);
      expect(first.status, first.stderr).toBe(0);
      expect(aptLog()).toEqual(['update -qq', 'install -y -qq --no-install-recommends redis-server']);
      const second = runSetUp(script, bin);
      expect(second.status, second.stderr).toBe(0);
      expect(aptLog()).toHaveLength(2);
    },
  );

  it('as another user, names what to install and fails, without running apt-get', () => {
    const { script, bin, aptLog } = sandbox([]);
    const result = runSetUp(script, bin, { asUser: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        'test set-up: the tests need redis-server and chromium, not installed here (not on PATH):',
        "  redis-server: the Redis cache store's contract tests",
        "  chromium: the HTML report's browser test",
        'Install them, then run `npm test` again. On Debian or Ubuntu:',
        '  sudo apt-get update && sudo apt-get install -y redis-server chromium',
        '(npm test installs them itself when run as root on Debian or Ubuntu.)',
        '',
      ].join('\n'),
    );
    expect(aptLog()).toEqual([]);
  });

  it('stops `npm test` (scripts/test.mjs) before anything else runs, with the plain closing line', () => {
    const { bin, aptLog } = sandbox([]);
    fs.copyFileSync(path.join(REPO, 'scripts', 'test.mjs'), path.join(dir, 'test.mjs'));
    const result = runSetUp(path.join(dir, 'test.mjs'), bin, { asUser: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^test set-up: the tests need redis-server and chromium/);
    expect(result.stdout).toBe('0 passed, 1 failed\n');
    expect(aptLog()).toEqual([]);
  });

  it('as root elsewhere than Debian or Ubuntu, names what to install and fails', () => {
    const plan = setUpPlan({ missing: SYSTEM_PACKAGES.slice(0, 1), isRoot: true, isDebian: false });
    expect(plan).toEqual({ action: 'fail', message: expect.stringContaining('apt-get install -y redis-server\n') });
    expect(plan.action === 'fail' && plan.message).toMatch(/installs them itself only on Debian or Ubuntu/);
  });

  it('knows Debian and its derivatives by /etc/os-release', () => {
    expect(isDebianLike('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')).toBe(true);
    expect(isDebianLike('ID=ubuntu\nID_LIKE=debian\n')).toBe(true);
    expect(isDebianLike('ID=linuxmint\nID_LIKE="ubuntu debian"\n')).toBe(true);
    expect(isDebianLike('ID=fedora\n')).toBe(false);
    expect(isDebianLike('ID="alpine"\n')).toBe(false);
  });
});
