// Validated config -> planned stages: defaults applied, ${...} expanded,
// fields normalised. Pure: env and --param values are passed in.
import path from 'node:path';
import { didYouMean } from '../util/suggest.js';
import { byPosition, formatPath } from './diagnostic.js';
import type { Diagnostic } from './diagnostic.js';
import { parseDuration } from './duration.js';
import { listedParams, ownParams, stageParams } from './stage-params.js';
import { describeExpandError, expand } from './expand.js';
import type { ExpandError } from './expand.js';
import type { FieldPath, ParsedYaml, TextNeedle } from './parse.js';
import {
  declaredParams,
  isOutsideWorkspace,
  normalisePattern,
  occurrencesBefore,
  relativeIfInside,
  resolveForeach,
  resolveParams,
  resolveStageEnv,
  stripUndefined,
  wholeListParam,
} from './plan-parts.js';
import type {
  ConfigPlan,
  EnvEntry,
  PipelinePlan,
  RawPipeline,
  RawStage,
  RawStageKnobs,
  StageDefinition,
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

export function planConfig(
  config: ValidatedConfig,
  options: PlanOptions,
): { plan?: ConfigPlan; diagnostics: Diagnostic[] } {
  return new Planner(config, options).plan();
}

interface DefinitionParts {
  params: Record<string, unknown>;
  env: EnvEntry[];
  text: (value: string, at: FieldPath) => string;
  list: (value: string | string[] | undefined, field: FieldPath) => string[];
  fieldPath: FieldPath;
}

/** One planConfig() call: every pipeline and stage planned, every problem collected. */
class Planner {
  readonly #config: ValidatedConfig;
  readonly #options: PlanOptions;
  readonly #overrides: Readonly<Record<string, string>>;
  readonly #diagnostics: Diagnostic[] = [];

  constructor(config: ValidatedConfig, options: PlanOptions) {
    this.#config = config;
    this.#options = options;
    this.#overrides = options.paramOverrides ?? {};
  }

  plan(): { plan?: ConfigPlan; diagnostics: Diagnostic[] } {
    this.#checkOverrides();
    const pipelines = new Map<string, PipelinePlan>();
    for (const [name, raw] of Object.entries(this.#config.pipelines)) pipelines.set(name, this.#pipeline(name, raw));
    const diagnostics = this.#sortedDiagnostics();
    if (diagnostics.length > 0) return { diagnostics };
    const { file } = this.#options;
    return {
      plan: {
        file,
        root: path.dirname(file),
        cacheUrl: this.#config.cache?.url,
        cacheShared: this.#config.cache?.shared,
        workers: this.#config.workers,
        pipelines,
      },
      diagnostics,
    };
  }

  #report(fieldPath: FieldPath, message: string, needle?: TextNeedle): void {
    const { file, locate } = this.#options;
    this.#diagnostics.push({
      file,
      position: locate?.(fieldPath, 'value', needle),
      path: formatPath(fieldPath),
      message,
    });
  }

  #reportExpand = (fieldPath: FieldPath, source: string, error: ExpandError): void =>
    this.#report(fieldPath, describeExpandError(error), {
      text: error.text,
      occurrence: occurrencesBefore(source, error.text, error.at),
    });

  /**
   * A --param applies to every pipeline being run that declares it (or has a
   * stage that sets it); it is an error only when none of them does.
   */
  #checkOverrides(): void {
    const checked = this.#options.pipelinesToCheck ?? [];
    if (checked.length === 0) return;
    const declared = [...new Set(checked.flatMap((name) => declaredParams(this.#config.pipelines[name])))];
    for (const key of Object.keys(this.#overrides)) {
      if (declared.includes(key)) continue;
      const which = checked.length === 1 ? `pipeline ${checked[0]}` : `any of pipelines ${checked.join(', ')}`;
      const where = checked.length === 1 ? `pipelines.${checked[0]}.params` : "each pipeline's params";
      const hint = didYouMean(key, declared) || ` (a param is declared under ${where} in pipelines.yaml)`;
      this.#diagnostics.push({
        file: this.#options.file,
        path: `--param ${key}`,
        message: `is not a param of ${which} (params: ${declared.join(', ') || 'none'})${hint}`,
        isCommandLine: true,
      });
    }
  }

  #pipeline(pipelineName: string, raw: RawPipeline): PipelinePlan {
    const at = ['pipelines', pipelineName, 'params'];
    // --param is for the pipelines being run: `--param out=/abs/dir` for one of them leaves another's outputs alone.
    const checked = this.#options.pipelinesToCheck ?? [];
    const overrides = checked.length === 0 || checked.includes(pipelineName) ? this.#overrides : {};
    const params = resolveParams(raw.params ?? {}, overrides, this.#options.env, at, this.#reportExpand);
    const stages = new Map<string, StagePlan>();
    for (const [stageName, stage] of Object.entries(raw.stages)) {
      stages.set(stageName, this.#stage({ pipelineName, raw, params, overrides }, stageName, stage));
    }
    return { name: pipelineName, description: raw.description, params, stages };
  }

  #stage(
    pipeline: {
      pipelineName: string;
      raw: RawPipeline;
      params: Record<string, unknown>;
      overrides: Readonly<Record<string, string>>;
    },
    stageName: string,
    stage: RawStage,
  ): StagePlan {
    const { pipelineName, raw, params, overrides } = pipeline;
    const fieldPath = ['pipelines', pipelineName, 'stages', stageName];
    for (const name of listedParams(stage)) {
      if (Object.hasOwn(params, name)) continue;
      const known = didYouMean(name, Object.keys(params));
      this.#report(
        [...fieldPath, 'params'],
        `lists "${name}", which is not a param of pipeline ${pipelineName}${known}`,
      );
    }
    const env = this.#options.env;
    const own = resolveParams(ownParams(stage), overrides, env, [...fieldPath, 'params'], this.#reportExpand, params);
    const { text, list } = this.#expander(fieldPath, { ...params, ...own });
    // Problems point at the layer that set the variable; a pipeline's or the
    // defaults' env is expanded once per stage, so the same problem recurs (deduplicated later).
    const envSource = (name: string): FieldPath =>
      stage.env && Object.hasOwn(stage.env, name)
        ? [...fieldPath, 'env', name]
        : raw.env && Object.hasOwn(raw.env, name)
          ? ['pipelines', pipelineName, 'env', name]
          : ['defaults', 'env', name];
    const stageEnv = resolveStageEnv({ defaults: this.#config.defaults, pipeline: raw, stage }, env, (value, name) =>
      text(value, envSource(name)),
    );
    const definition = this.#definition(stage, {
      params: stageParams(stage, params, own),
      env: stageEnv,
      text,
      list,
      fieldPath,
    });
    return {
      id: `${pipelineName}/${stageName}`,
      pipeline: pipelineName,
      name: stageName,
      description: stage.description,
      definition,
      knobs: this.#knobs(stage),
    };
  }

  /** Expansion of `${...}` in a stage's strings and pattern lists, each problem reported at its field. */
  #expander(fieldPath: FieldPath, params: Record<string, unknown>): Pick<DefinitionParts, 'text' | 'list'> {
    const scope = { params, env: this.#options.env };
    const text = (value: string, at: FieldPath): string => {
      const result = expand(value, scope);
      for (const error of result.errors) this.#reportExpand(at, value, error);
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
    return { text, list };
  }

  #knobs(stage: RawStage): StagePlan['knobs'] {
    const knobs = { ...this.#config.defaults, ...stripUndefined(stage) } as RawStageKnobs & RawStage;
    return {
      concurrency: knobs.concurrency ?? 4,
      batchSize: knobs.batchSize ?? 50,
      stream: knobs.stream ?? false,
      isolate: knobs.isolate ?? 'inline',
      warm: knobs.warm ?? false,
      maxMemoryMb: knobs.maxMemory,
      timeoutMs: knobs.timeout === undefined ? undefined : parseDuration(knobs.timeout),
      retries: knobs.retries ?? 0,
    };
  }

  #definition(stage: RawStage, parts: DefinitionParts): StageDefinition {
    const { text, list, fieldPath } = parts;
    const foreach = resolveForeach(stage, (value, field) => list(value, field));
    const needs = [...(stage.needs ?? [])];
    if (foreach?.kind === 'stage' && !needs.includes(foreach.stage)) needs.push(foreach.stage);
    const cache = { ...this.#config.defaults?.cache, ...stage.cache };
    const ordered = ({ ...this.#config.defaults, ...stripUndefined(stage) } as RawStageKnobs).ordered;
    const root = path.dirname(this.#options.file);
    const outputs = list(stage.outputs, ['outputs']).map((output) => relativeIfInside(output, root));
    outputs.forEach((output, index) => {
      if (!isOutsideWorkspace(output)) return;
      const at = Array.isArray(stage.outputs) && index < stage.outputs.length ? [index] : [];
      this.#report(
        [...fieldPath, 'outputs', ...at],
        `${output} is outside the workspace: outputs must be under the directory of pipelines.yaml (the cache restores them there, on every machine that shares it)`,
      );
    });
    const common = {
      needs,
      inputs: list(stage.inputs, ['inputs']),
      outputs,
      params: parts.params,
      env: parts.env,
      ordered: ordered ?? true,
      cache: {
        policy: cache.policy ?? 'content',
        ttlMs: cache.ttl === undefined ? undefined : parseDuration(cache.ttl),
        version: cache.version === undefined ? undefined : String(cache.version),
        scope: cache.scope ?? 'stage',
        compress: cache.compress ?? false,
        hasSideEffects: cache.sideEffects ?? false,
        isInPlace: cache.inPlace ?? false,
      },
    };
    // Validation made sure of exactly one of run and shell.
    if (stage.shell !== undefined)
      return { ...common, kind: 'shell', shell: text(stage.shell, [...fieldPath, 'shell']) };
    const [module = '', exportName = ''] = text(stage.run ?? '', [...fieldPath, 'run']).split('#');
    const run = { module: path.posix.normalize(module.replace(/\\/g, '/')), exportName };
    return foreach ? { ...common, kind: 'map', run, foreach } : { ...common, kind: 'task', run };
  }

  /** Each problem once, by line (as validateConfig does); --param problems (no position) first. */
  #sortedDiagnostics(): Diagnostic[] {
    const seen = new Set<string>();
    const unique = this.#diagnostics.filter((d) => {
      const key = `${d.path}\0${d.message}\0${d.position?.line ?? 0}:${d.position?.col ?? 0}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return unique.sort(byPosition);
  }
}
