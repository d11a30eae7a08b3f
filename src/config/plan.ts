// Validated config -> planned stages: defaults applied, ${...} expanded,
// fields normalised. Pure: env and --param values are passed in.
import path from 'node:path';
import { didYouMean } from '../util/suggest.js';
import { formatPath } from './diagnostic.js';
import type { Diagnostic } from './diagnostic.js';
import { parseDuration } from './duration.js';
import { listedParams, ownParams, stageParams } from './stage-params.js';
import { describeExpandError, expand } from './expand.js';
import type { ExpandError } from './expand.js';
import type { FieldPath, ParsedYaml, TextNeedle } from './parse.js';
import type {
  ConfigPlan,
  EnvEntry,
  EnvValue,
  Foreach,
  PipelinePlan,
  RawStage,
  RawStageKnobs,
  StageDefinition,
  StageKind,
  StagePlan,
  ValidatedConfig,
} from './types.js';

export interface PlanOptions {
  file: string;
  env: Readonly<Record<string, string | undefined>>;
  /** --param k=v, applied to every pipeline that declares k. */
  paramOverrides?: Readonly<Record<string, string>>;
  /** Pipelines whose --param overrides must all be declared (the ones being run). */
  pipelinesToCheck?: readonly string[];
  locate?: ParsedYaml['locate'];
}

const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

export function planConfig(
  config: ValidatedConfig,
  options: PlanOptions,
): { plan?: ConfigPlan; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const report = (fieldPath: FieldPath, message: string, needle?: TextNeedle): void => {
    diagnostics.push({
      file: options.file,
      position: options.locate?.(fieldPath, 'value', needle),
      path: formatPath(fieldPath),
      message,
    });
  };
  const reportExpand = (fieldPath: FieldPath, source: string, error: ExpandError): void =>
    report(fieldPath, describeExpandError(error), {
      text: error.text,
      occurrence: occurrencesBefore(source, error.text, error.at),
    });
  const overrides = options.paramOverrides ?? {};
  // A --param applies to every pipeline being run that declares it (or has a
  // stage that sets it); it is an error only when none of them does.
  const checked = options.pipelinesToCheck ?? [];
  if (checked.length > 0) {
    const declared = [...new Set(checked.flatMap((name) => declaredParams(config.pipelines[name])))];
    for (const key of Object.keys(overrides)) {
      if (declared.includes(key)) continue;
      const which = checked.length === 1 ? `pipeline ${checked[0]}` : `any of pipelines ${checked.join(', ')}`;
      diagnostics.push({
        file: options.file,
        path: `--param ${key}`,
        message: `is not a param of ${which} (params: ${declared.join(', ') || 'none'})${didYouMean(key, declared)}`,
      });
    }
  }
  const root = path.dirname(options.file);
  const pipelines = new Map<string, PipelinePlan>();
  for (const [pipelineName, raw] of Object.entries(config.pipelines)) {
    const params = resolveParams(
      raw.params ?? {},
      overrides,
      options.env,
      ['pipelines', pipelineName, 'params'],
      reportExpand,
    );
    const stages = new Map<string, StagePlan>();
    for (const [stageName, stage] of Object.entries(raw.stages)) {
      const fieldPath = ['pipelines', pipelineName, 'stages', stageName];
      for (const name of listedParams(stage)) {
        if (!Object.hasOwn(params, name))
          report(
            [...fieldPath, 'params'],
            `lists "${name}", which is not a param of pipeline ${pipelineName}${didYouMean(name, Object.keys(params))}`,
          );
      }
      const own = resolveParams(
        ownParams(stage),
        overrides,
        options.env,
        [...fieldPath, 'params'],
        reportExpand,
        params,
      );
      const scope = { params: { ...params, ...own }, env: options.env };
      const text = (value: string, at: FieldPath): string => {
        const result = expand(value, scope);
        for (const error of result.errors) reportExpand(at, value, error);
        return result.value;
      };
      // A pattern that is exactly `${params.x}` where x is a list stands for one pattern per entry.
      const list = (value: string | string[] | undefined, field: FieldPath): string[] =>
        (value === undefined ? [] : Array.isArray(value) ? value : [value]).flatMap((item, index) => {
          const at = Array.isArray(value) ? [...fieldPath, ...field, index] : [...fieldPath, ...field];
          const listParam = wholeListParam(item, scope.params);
          if (listParam) return listParam.map((entry) => normalisePattern(entry));
          return [normalisePattern(text(item, at))];
        });
      const knobs = { ...config.defaults, ...stripUndefined(stage) } as RawStageKnobs & RawStage;
      // Problems point at the layer that set the variable; a pipeline's or the
      // defaults' env is expanded once per stage, so the same problem recurs (deduplicated below).
      const envSource = (name: string): FieldPath =>
        stage.env && Object.hasOwn(stage.env, name)
          ? [...fieldPath, 'env', name]
          : raw.env && Object.hasOwn(raw.env, name)
            ? ['pipelines', pipelineName, 'env', name]
            : ['defaults', 'env', name];
      const env = resolveEnv({ ...config.defaults?.env, ...raw.env, ...stage.env }, (value, name) =>
        text(value, envSource(name)),
      );
      const kind: StageKind = stage.shell !== undefined ? 'shell' : stage.foreach !== undefined ? 'map' : 'task';
      const foreach = resolveForeach(stage, (value, field) => list(value, field));
      const needs = [...(stage.needs ?? [])];
      if (foreach?.kind === 'stage' && !needs.includes(foreach.stage)) needs.push(foreach.stage);
      const cache = { ...config.defaults?.cache, ...stage.cache };
      const definition: StageDefinition = {
        kind,
        needs,
        inputs: list(stage.inputs, ['inputs']),
        outputs: list(stage.outputs, ['outputs']),
        params: stageParams(stage, params, own),
        env,
        ordered: knobs.ordered ?? true,
        cache: {
          policy: cache.policy ?? 'content',
          ttlMs: cache.ttl === undefined ? undefined : parseDuration(cache.ttl),
          version: cache.version === undefined ? undefined : String(cache.version),
          scope: cache.scope ?? 'stage',
          compress: cache.compress ?? false,
          hasSideEffects: cache.sideEffects ?? false,
        },
      };
      if (stage.run !== undefined) {
        const [module = '', exportName = ''] = text(stage.run, [...fieldPath, 'run']).split('#');
        definition.run = { module: path.posix.normalize(module.replace(/\\/g, '/')), exportName };
      }
      if (stage.shell !== undefined) definition.shell = text(stage.shell, [...fieldPath, 'shell']);
      if (foreach) definition.foreach = foreach;
      stages.set(stageName, {
        id: `${pipelineName}/${stageName}`,
        pipeline: pipelineName,
        name: stageName,
        description: stage.description,
        definition,
        knobs: {
          concurrency: knobs.concurrency ?? 4,
          batchSize: knobs.batchSize ?? 50,
          stream: knobs.stream ?? false,
          isolate: knobs.isolate ?? 'inline',
          maxMemoryMb: knobs.maxMemory,
          timeoutMs: knobs.timeout === undefined ? undefined : parseDuration(knobs.timeout),
          retries: knobs.retries ?? 0,
        },
      });
    }
    pipelines.set(pipelineName, { name: pipelineName, description: raw.description, params, stages });
  }
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.path}\0${d.message}\0${d.position?.line ?? 0}:${d.position?.col ?? 0}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  diagnostics.length = 0;
  diagnostics.push(...unique);
  // By line, as validateConfig does; --param problems (no position) first.
  diagnostics.sort(
    (a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.col ?? 0) - (b.position?.col ?? 0),
  );
  if (diagnostics.length > 0) return { diagnostics };
  return { plan: { file: options.file, root, cacheUrl: config.cache?.url, pipelines }, diagnostics };
}

function resolveParams(
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

function resolveEnv(raw: Record<string, EnvValue>, expandText: (value: string, name: string) => string): EnvEntry[] {
  return Object.entries(raw)
    .map(([name, value]) => {
      const isObject = typeof value === 'object';
      const text = String(isObject ? value.value : value);
      const isSecret = isObject && value.secret !== undefined ? value.secret : SECRET_NAME.test(name);
      return { name, value: expandText(text, name), isSecret };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function resolveForeach(
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

function wholeListParam(pattern: string, params: Record<string, unknown>): string[] | undefined {
  const match = /^\$\{\s*params\.([A-Za-z_][A-Za-z0-9_.-]*)\s*\}$/.exec(pattern);
  const value = match ? params[match[1] ?? ''] : undefined;
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

function normalisePattern(pattern: string): string {
  const slashed = pattern.replace(/\\/g, '/');
  const normalised = path.posix.normalize(slashed);
  return normalised.startsWith('./') ? normalised.slice(2) : normalised;
}

function declaredParams(pipeline: ValidatedConfig['pipelines'][string] | undefined): string[] {
  if (!pipeline) return [];
  const own = Object.values(pipeline.stages).flatMap((stage) => Object.keys(ownParams(stage)));
  return [...new Set([...Object.keys(pipeline.params ?? {}), ...own])];
}

function occurrencesBefore(text: string, needle: string, end: number): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1 && at < end; at = text.indexOf(needle, at + 1)) count++;
  return count;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
