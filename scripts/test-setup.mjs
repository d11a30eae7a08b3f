// The system packages the tests use for real, made present before `npm test`
// runs anything: Redis and PostgreSQL (the cache store's contract suite and
// the shared-cache tests run against real servers) and Chromium (the HTML
// report's browser test). When all are on PATH this only looks, and is done
// in a millisecond: no apt-get, no network. When some are missing: as root on Debian or Ubuntu it installs
// them with apt-get; anywhere else it says what to install, and fails.
// `node scripts/test-setup.mjs` runs it alone.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const SYSTEM_PACKAGES = [
  { command: 'redis-server', apt: 'redis-server', usedBy: "the Redis cache store's contract tests" },
  // Debian keeps initdb and postgres off PATH, in /usr/lib/postgresql/<version>/bin
  // (where the tests find them); its pg_ctlcluster, installed with them, is on PATH.
  { command: 'initdb', or: 'pg_ctlcluster', apt: 'postgresql', usedBy: "the Postgres cache store's tests" },
  { command: 'chromium', apt: 'chromium', usedBy: "the HTML report's browser test" },
];

/** The packages none of whose commands is an executable file in a PATH directory. */
export function missingPackages(pathVariable, packages = SYSTEM_PACKAGES) {
  const dirs = (pathVariable ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const isPresent = (pkg) =>
    [pkg.command, ...(pkg.or ? [pkg.or] : [])].some((command) =>
      dirs.some((dir) => isExecutable(path.join(dir, command))),
    );
  return packages.filter((pkg) => !isPresent(pkg));
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether /etc/os-release (its text) describes Debian or a derivative such as Ubuntu. */
export function isDebianLike(osRelease) {
  const field = (name) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(osRelease ?? '')?.[1] ?? '';
  return [field('ID'), ...field('ID_LIKE').split(/\s+/)].some((id) => id === 'debian' || id === 'ubuntu');
}

/** What to do about the missing packages: nothing, install them with apt-get, or stop with a message. */
export function setUpPlan({ missing, isRoot, isDebian }) {
  if (missing.length === 0) return { action: 'none' };
  const names = missing.map((pkg) => pkg.apt);
  if (isRoot && isDebian) return { action: 'apt-get', packages: names };
  const lines = [
    `test set-up: the tests need ${listed(names)}, not installed here (not on PATH):`,
    ...missing.map((pkg) => `  ${pkg.or ? `${pkg.command} (or ${pkg.or})` : pkg.command}: ${pkg.usedBy}`),
    'Install them, then run `npm test` again. On Debian or Ubuntu:',
    `  sudo apt-get update && sudo apt-get install -y ${names.join(' ')}`,
    isRoot
      ? '(npm test installs them itself only on Debian or Ubuntu.)'
      : '(npm test installs them itself when run as root on Debian or Ubuntu.)',
  ];
  return { action: 'fail', message: lines.join('\n') };
}

/** `a`, `a and b`, `a, b and c`. */
function listed(names) {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Makes the system packages present; false (with the reason printed) when they are not. */
export function ensureSystemPackages({ env = process.env, log = console.error } = {}) {
  const missing = missingPackages(env.PATH);
  const plan = setUpPlan({ missing, isRoot: process.getuid?.() === 0, isDebian: isDebianLike(readOsRelease()) });
  if (plan.action === 'none') return true;
  if (plan.action === 'fail') {
    log(plan.message);
    return false;
  }
  log(`test set-up: installing ${plan.packages.join(', ')} with apt-get (${missing.map((p) => p.usedBy).join('; ')})`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...plan.packages],
  ]) {
    const apt = spawnSync('apt-get', args, { env: aptEnv, stdio: ['ignore', 'ignore', 'inherit'] });
    if (apt.status !== 0) {
      log(`test set-up: apt-get ${args[0]} failed (${apt.error?.message ?? `exit code ${apt.status}`})`);
      return false;
    }
  }
  const still = missingPackages(env.PATH);
  if (still.length > 0) log(`test set-up: after apt-get, still not on PATH: ${still.map((p) => p.command).join(', ')}`);
  return still.length === 0;
}

function readOsRelease() {
  try {
    return fs.readFileSync('/etc/os-release', 'utf8');
  } catch {
    return '';
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exit(ensureSystemPackages() ? 0 : 1);
}
