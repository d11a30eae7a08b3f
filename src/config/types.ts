// Config goes raw -> validated -> planned; each step has its own type and
// the engine accepts only the planned one.

export type Isolate = 'inline' | 'worker' | 'process';
export type CachePolicy = 'content' | 'ttl' | 'never';
export type CacheScope = 'stage' | 'item';

export type EnvValue = string | number | boolean | { value: string | number | boolean; secret?: boolean };

export interface RawCache {
  policy?: CachePolicy;
  ttl?: string;
  version?: string | number;
  scope?: CacheScope;
  compress?: boolean;
  sideEffects?: boolean;
  inPlace?: boolean;
}

export interface RawStageKnobs {
  concurrency?: number;
  batchSize?: number;
  stream?: boolean;
  ordered?: boolean;
  isolate?: Isolate;
  warm?: boolean;
  maxMemory?: number;
  timeout?: string;
  retries?: number;
  env?: Record<string, EnvValue>;
  /** Variables of the runner's environment the stage sees, values in its key (`NAME` or `PREFIX_*`). */
  passEnv?: string | string[];
  cache?: RawCache;
}

export interface RawStage extends RawStageKnobs {
  description?: string;
  run?: string;
  shell?: string;
  needs?: string[];
  inputs?: string | string[];
  outputs?: string | string[];
  foreach?: string | { files: string | string[]; exclude?: string | string[] };
  /** Own values, or names of pipeline params the stage uses. */
  params?: Record<string, unknown> | string[];
}

export interface RawPipeline {
  description?: string;
  params?: Record<string, unknown>;
  env?: Record<string, EnvValue>;
  passEnv?: string | string[];
  stages: Record<string, RawStage>;
}

/** pipelines.yaml after schema and semantic validation, before defaults and ${...} expansion. */
export interface ValidatedConfig {
  version: 1;
  defaults?: RawStageKnobs;
  cache?: { url?: string; shared?: 'read' | 'write' };
  /** The queue of remote workers for map stages with isolate worker|process (redis://...). */
  workers?: string;
  pipelines: Record<string, RawPipeline>;
}

export interface EnvEntry {
  name: string;
  value: string;
  isSecret: boolean;
}

export type Foreach = { kind: 'stage'; stage: string } | { kind: 'files'; patterns: string[]; exclude: string[] };

/** A module's export: `path/to/module.ts#export`. */
export interface RunRef {
  module: string;
  exportName: string;
}

/**
 * Everything that can change a stage's result (the fingerprint is built
 * from this), one shape per kind: a shell stage has a command, a task a
 * module export, a map a module export and what it maps over.
 */
export type StageDefinition =
  | (StageCommon & { kind: 'shell'; shell: string })
  | (StageCommon & { kind: 'task'; run: RunRef })
  | (StageCommon & { kind: 'map'; run: RunRef; foreach: Foreach });

interface StageCommon {
  needs: string[];
  inputs: string[];
  outputs: string[];
  params: Record<string, unknown>;
  env: EnvEntry[];
  ordered: boolean;
  cache: {
    policy: CachePolicy;
    ttlMs?: number;
    version?: string;
    scope: CacheScope;
    compress: boolean;
    hasSideEffects: boolean;
    /** The stage edits its own input files: recorded under their key as it leaves them (engine/fixpoint.ts). */
    isInPlace: boolean;
  };
}

/** Knobs that change speed or memory, never a result: they stay out of the fingerprint. */
export interface StageKnobs {
  concurrency: number;
  batchSize: number;
  stream: boolean;
  isolate: Isolate;
  /** The daemon may run the stage's code in its own process (server.ts, warm-code.ts). */
  warm: boolean;
  maxMemoryMb?: number;
  timeoutMs?: number;
  retries: number;
}

export interface StagePlan {
  /** `pipeline/stage`, unique across every pipeline. */
  id: string;
  pipeline: string;
  name: string;
  description?: string;
  definition: StageDefinition;
  knobs: StageKnobs;
}

export interface PipelinePlan {
  name: string;
  description?: string;
  params: Record<string, unknown>;
  stages: Map<string, StagePlan>;
}

export interface ConfigPlan {
  /** Absolute path of pipelines.yaml. */
  file: string;
  /** Directory of pipelines.yaml: the workspace root. */
  root: string;
  cacheUrl?: string;
  /** cache.shared: read never writes the shared store. */
  cacheShared?: 'read' | 'write';
  /** `workers:`, the queue of remote workers, as written. */
  workers?: string;
  pipelines: Map<string, PipelinePlan>;
}

/** The module export a task or map stage runs; undefined for a shell stage. */
export function runOf(definition: StageDefinition): RunRef | undefined {
  return definition.kind === 'shell' ? undefined : definition.run;
}

/** What a map stage maps over; undefined for the other kinds. */
export function foreachOf(definition: StageDefinition): Foreach | undefined {
  return definition.kind === 'map' ? definition.foreach : undefined;
}
