// `npm test` first makes Redis, PostgreSQL and Chromium present
// (scripts/test-setup.mjs). The script runs for real here with a PATH of
// stand-ins: a fake apt-get that logs its arguments and "installs" a package
// by putting an executable of its name beside itself (postgresql, as on
// Debian, puts pg_ctlcluster on PATH, not initdb), so no system package is
// touched.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isDebianLike, missingPackages, SYSTEM_PACKAGES, setUpPlan } from '../../scripts/test-setup.mjs';
import { REPO } from '../e2e/rig.js';

const isRoot = process.getuid?.() === 0;
const FAKE_APT_GET = `#!/bin/sh
echo "$*" >> "\${0%/*}/apt-get.log"
if [ "$1" = install ]; then
  for arg in "$@"; do
    case "$arg" in -*|install) continue ;; postgresql) name=pg_ctlcluster ;; *) name=$arg ;; esac
    printf '#!/bin/sh\\n' > "\${0%/*}/$name"; /bin/chmod +x "\${0%/*}/$name"
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
    const { script, bin, aptLog } = sandbox(['redis-server', 'initdb', 'chromium']);
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
      expect(aptLog()).toEqual(['update -qq', 'install -y -qq --no-install-recommends redis-server postgresql']);
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
        'test set-up: the tests need redis-server, postgresql and chromium, not installed here (not on PATH):',
        "  redis-server: the Redis cache store's contract tests",
        "  initdb (or pg_ctlcluster): the Postgres cache store's tests",
        "  chromium: the HTML report's browser test",
        'Install them, then run `npm test` again. On Debian or Ubuntu:',
        '  sudo apt-get update && sudo apt-get install -y redis-server postgresql chromium',
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
    expect(result.stderr).toMatch(/^test set-up: the tests need redis-server, postgresql and chromium/);
    expect(result.stdout).toBe('0 passed, 1 failed\n');
    expect(aptLog()).toEqual([]);
  });

  it('as root elsewhere than Debian or Ubuntu, names what to install and fails', () => {
    const plan = setUpPlan({ missing: SYSTEM_PACKAGES.slice(0, 1), isRoot: true, isDebian: false });
    expect(plan).toEqual({ action: 'fail', message: expect.stringContaining('apt-get install -y redis-server\n') });
    expect(plan.action === 'fail' && plan.message).toMatch(/installs them itself only on Debian or Ubuntu/);
  });

  it('knows PostgreSQL by initdb on PATH, or by the pg_ctlcluster Debian puts there', () => {
    const postgres = SYSTEM_PACKAGES.filter((pkg) => pkg.apt === 'postgresql');
    const { bin } = sandbox(['psql']);
    const missing = (): string[] => missingPackages(bin, postgres).map((pkg) => pkg.apt);
    expect(missing()).toEqual(['postgresql']);
    for (const command of ['pg_ctlcluster', 'initdb']) {
      fs.writeFileSync(path.join(bin, command), '#!/bin/sh\n', { mode: 0o755 });
      expect(missing()).toEqual([]);
      fs.rmSync(path.join(bin, command));
    }
  });

  it('knows Debian and its derivatives by /etc/os-release', () => {
    expect(isDebianLike('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')).toBe(true);
    expect(isDebianLike('ID=ubuntu\nID_LIKE=debian\n')).toBe(true);
    expect(isDebianLike('ID=linuxmint\nID_LIKE="ubuntu debian"\n')).toBe(true);
    expect(isDebianLike('ID=fedora\n')).toBe(false);
    expect(isDebianLike('ID="alpine"\n')).toBe(false);
  });
});
