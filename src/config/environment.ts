// What environment a stage sees, and which of it is in its key. One rule:
//   env      declared values: seen by the stage, in the key
//   passEnv  variables of the runner's environment named (or prefixed, `APP_*`)
//            at defaults, pipeline or stage level: seen, and their values in
//            the key (an unset one is left out, so setting it reruns)
//   the pass-through list below: seen by shell stages, values NOT in the key,
//            because they say where programs and files are and how to talk
//            to a person, not what a command computes. A stage whose results
//            do depend on one (sort order under LC_COLLATE) lists it in
//            passEnv, which puts its value in the key. Their names are in a
//            shell stage's key, so changing this list reruns shell stages.
// Nothing else of the runner's environment reaches a shell stage. Task and
// map code sees env and passEnv as ctx.env; it runs in the runner's process
// (or its workers), whose process.env is the runner's own and not in any key.
import type { EnvEntry } from './types.js';

export const PASS_THROUGH: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TMPDIR',
  'TZ',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'SSH_AUTH_SOCK',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

/** A variable whose value enters the key only as a hash, unless declared otherwise. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `NAME` names one variable; `PREFIX_*` every variable that starts with PREFIX_. */
export function isNamedBy(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/**
 * The variables of `env` that `patterns` (a stage's passEnv) name, as env
 * entries sorted by name; those the stage declares in `env` are left to it.
 */
export function passedEnv(
  patterns: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  declared: ReadonlySet<string>,
): EnvEntry[] {
  if (patterns.length === 0) return [];
  return Object.keys(env)
    .filter((name) => !declared.has(name) && env[name] !== undefined && patterns.some((p) => isNamedBy(p, name)))
    .map((name) => ({ name, value: env[name] ?? '', isSecret: isSecretName(name) }))
    .sort(byName);
}

/** Env entries in the key's order: by name, one code unit at a time. */
export function byName(a: EnvEntry, b: EnvEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A shell stage's whole environment: the pass-through variables of the runner's, and the stage's own over them. */
export function shellEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  entries: readonly EnvEntry[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && PASS_THROUGH.some((p) => isNamedBy(p, name))) out[name] = value;
  }
  for (const entry of entries) out[entry.name] = entry.value;
  return out;
}
