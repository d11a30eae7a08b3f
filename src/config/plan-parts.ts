// The pieces of planning a stage: params resolved (with --param overrides),
// env entries (secrets marked), foreach, list params in patterns.
import path from 'node:path';
import { byName, isSecretName, passedEnv } from './environment.js';
import { ownParams } from './stage-params.js';
import { expand } from './expand.js';
import type { ExpandError } from './expand.js';
import type { FieldPath } from './parse.js';
import type { EnvEntry, EnvValue, Foreach, RawPipeline, RawStage, RawStageKnobs, ValidatedConfig } from './types.js';

export function resolveParams(
  declared: Record<string, unknown>,
  overrides: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
  at: FieldPath,
  report: (path: FieldPath, source: string, error: ExpandError) => void,
  /** Pipeline params a stage's own params may refer to. */
  outer: Record<string, unknown> = {},
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(declared)) {
    const whole = typeof value === 'string' ? /^\$\{\s*params\.([A-Za-z_][A-Za-z0-9_.-]*)\s*\}$/.exec(value) : null;
    if (Object.hasOwn(overrides, name)) {
      params[name] = coerceLike(value, overrides[name] ?? '');
    } else if (whole && Object.hasOwn(outer, whole[1] ?? '')) {
      // `k: ${params.k}` keeps the param's type (a number stays a number).
      params[name] = outer[whole[1] ?? ''];
    } else if (typeof value === 'string') {
      const result = expand(value, { params: outer, env });
      for (const error of result.errors) report([...at, name], value, error);
      params[name] = result.value;
    } else {
      params[name] = value;
    }
  }
  return params;
}

/** --param values are text; give them the declared default's type when they parse as it. */
function coerceLike(declared: unknown, text: string): unknown {
  if (typeof declared === 'string' || declared === undefined) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === typeof declared) return parsed;
  } catch {
    // not JSON: keep the text
  }
  return text;
}

export function resolveEnv(
  raw: Record<string, EnvValue>,
  expandText: (value: string, name: string) => string,
): EnvEntry[] {
  return Object.entries(raw)
    .map(([name, value]) => {
      const isObject = typeof value === 'object';
      const text = String(isObject ? value.value : value);
      const isSecret = isObject && value.secret !== undefined ? value.secret : isSecretName(name);
      return { name, value: expandText(text, name), isSecret };
    })
    .sort(byName);
}

/**
 * A stage's env entries, sorted by name: its declared env (the stage's over
 * its pipeline's over the defaults') and the variables of the runner's
 * environment its passEnv names (the lists of every level add up).
 */
export function resolveStageEnv(
  levels: { defaults?: RawStageKnobs; pipeline: RawPipeline; stage: RawStage },
  runnerEnv: Readonly<Record<string, string | undefined>>,
  expandText: (value: string, name: string) => string,
): EnvEntry[] {
  const { defaults, pipeline, stage } = levels;
  const declared = resolveEnv({ ...defaults?.env, ...pipeline.env, ...stage.env }, expandText);
  const patterns = [defaults?.passEnv, pipeline.passEnv, stage.passEnv].flatMap((list) => list ?? []);
  const names = new Set(declared.map((e) => e.name));
  return [...declared, ...passedEnv(patterns, runnerEnv, names)].sort(byName);
}

export function resolveForeach(
  stage: RawStage,
  list: (value: string | string[] | undefined, field: FieldPath) => string[],
): Foreach | undefined {
  const foreach = stage.foreach;
  if (foreach === undefined) return undefined;
  if (typeof foreach === 'string') return { kind: 'stage', stage: foreach };
  const patterns = list(foreach.files, ['foreach', 'files']).filter((p) => p !== '');
  const exclude = list(foreach.exclude, ['foreach', 'exclude']);
  return { kind: 'files', patterns, exclude };
}

export function wholeListParam(pattern: string, params: Record<string, unknown>): string[] | undefined {
  const match = /^\$\{\s*params\.([A-Za-z_][A-Za-z0-9_.-]*)\s*\}$/.exec(pattern);
  const value = match ? params[match[1] ?? ''] : undefined;
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

export function normalisePattern(pattern: string): string {
  const slashed = pattern.replace(/\\/g, '/');
  const normalised = path.posix.normalize(slashed);
  return normalised.startsWith('./') ? normalised.slice(2) : normalised;
}

/**
 * An absolute pattern under the workspace root as a workspace-relative one
 * (`--param out=$PWD/reports` names the same outputs as `out=reports`); any
 * other pattern as it is.
 */
export function relativeIfInside(pattern: string, root: string): string {
  const isNegated = pattern.startsWith('!');
  const bare = isNegated ? pattern.slice(1) : pattern;
  const prefix = root.endsWith('/') ? root : `${root}/`;
  if (!bare.startsWith(prefix) || bare.length === prefix.length) return pattern;
  return `${isNegated ? '!' : ''}${bare.slice(prefix.length)}`;
}

/** Whether a normalised output pattern names a place outside the workspace (absolute, or above its root). */
export function isOutsideWorkspace(pattern: string): boolean {
  const bare = pattern.startsWith('!') ? pattern.slice(1) : pattern;
  return path.posix.isAbsolute(bare) || /^[A-Za-z]:\//.test(bare) || bare === '..' || bare.startsWith('../');
}

export function declaredParams(pipeline: ValidatedConfig['pipelines'][string] | undefined): string[] {
  if (!pipeline) return [];
  const own = Object.values(pipeline.stages).flatMap((stage) => Object.keys(ownParams(stage)));
  return [...new Set([...Object.keys(pipeline.params ?? {}), ...own])];
}

export function occurrencesBefore(text: string, needle: string, end: number): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1 && at < end; at = text.indexOf(needle, at + 1)) count++;
  return count;
}

export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
