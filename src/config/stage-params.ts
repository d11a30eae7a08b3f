// Which params a stage depends on. A stage sees (in ctx.params) and is keyed
// by exactly: the pipeline params its definition references as
// ${params.name}, the ones it lists (`params: [threshold, k]`), and the
// ones it sets itself (`params: { k: 8 }`). So changing a param reruns the
// stages that use it and their dependents, not the whole pipeline.
import type { RawStage } from './types.js';

const REFERENCE = /\$\{\s*params\.([A-Za-z_][A-Za-z0-9_.-]*?)\s*(?::-[^}]*)?\}/g;

/** Names of params referenced anywhere in the stage's own fields. */
export function referencedParams(stage: RawStage): Set<string> {
  const { params: _own, ...rest } = stage;
  const names = new Set<string>();
  for (const match of JSON.stringify(rest).matchAll(REFERENCE)) names.add(match[1] ?? '');
  return names;
}

export function listedParams(stage: RawStage): string[] {
  return Array.isArray(stage.params) ? stage.params.filter((p): p is string => typeof p === 'string') : [];
}

export function ownParams(stage: RawStage): Record<string, unknown> {
  return stage.params && !Array.isArray(stage.params) ? stage.params : {};
}

export function stageParams(
  stage: RawStage,
  pipelineParams: Record<string, unknown>,
  resolvedOwn: Record<string, unknown>,
): Record<string, unknown> {
  const used: Record<string, unknown> = {};
  for (const name of [...referencedParams(stage), ...listedParams(stage)].sort()) {
    if (Object.hasOwn(pipelineParams, name)) used[name] = pipelineParams[name];
  }
  return { ...used, ...resolvedOwn };
}
