// Schema (ajv) and semantic checks. Every problem becomes a Diagnostic with
// the field path in plain words; all of them are collected, not just the first.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { didYouMean } from '../util/suggest.js';
import { byPosition, formatPath } from './diagnostic.js';
import { parseDuration } from './duration.js';
import type { Diagnostic } from './diagnostic.js';
import type { FieldPath, ParsedYaml } from './parse.js';
import { validate } from './schema-validator.js';
import type { RawPipeline, ValidatedConfig } from './types.js';

const validateSchema = validate as ValidateFunction;

export function validateConfig(
  file: string,
  parsed: ParsedYaml,
): { config?: ValidatedConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const at = (path: FieldPath, message: string, part: 'key' | 'value' = 'key'): void => {
    diagnostics.push({ file, position: parsed.locate(path, part), path: formatPath(path), message });
  };
  if (!validateSchema(parsed.data)) {
    for (const error of schemaErrors(validateSchema.errors ?? [])) {
      const path = pointerToPath(error.instancePath);
      describeSchemaError(error, path, at, valueAt(parsed.data, path));
    }
  }
  if (isObject(parsed.data) && isObject(parsed.data.defaults)) checkTimeout(['defaults'], parsed.data.defaults, at);
  if (isObject(parsed.data) && isObject(parsed.data.pipelines)) {
    for (const [name, pipeline] of Object.entries(parsed.data.pipelines)) {
      if (isObject(pipeline) && isObject(pipeline.stages)) checkStages(name, pipeline as unknown as RawPipeline, at);
    }
  }
  diagnostics.sort(byPosition);
  return diagnostics.length === 0 ? { config: parsed.data as ValidatedConfig, diagnostics } : { diagnostics };
}

type Reporter = (path: FieldPath, message: string, part?: 'key' | 'value') => void;

function checkStages(pipelineName: string, pipeline: RawPipeline, at: Reporter): void {
  const names = Object.keys(pipeline.stages);
  for (const [name, stage] of Object.entries(pipeline.stages)) {
    if (!isObject(stage)) continue;
    const path = ['pipelines', pipelineName, 'stages', name];
    const hasRun = typeof stage.run === 'string';
    const hasShell = typeof stage.shell === 'string';
    if (hasRun && hasShell) at(path, 'has both run and shell; a stage runs either a module (run) or a command (shell)');
    if (!hasRun && !hasShell) at(path, 'needs run (path/to/module.ts#export) or shell (a command)');
    if (hasShell && stage.foreach !== undefined) at([...path, 'foreach'], 'is for run stages; a shell stage runs once');
    checkTimeout(path, stage, at);
    if (Array.isArray(stage.needs)) {
      stage.needs.forEach((need, index) => {
        if (typeof need !== 'string') return;
        if (need === name) {
          at([...path, 'needs', index], 'names the stage itself; a stage cannot need itself');
        } else if (!names.includes(need)) {
          const others = names.filter((n) => n !== name);
          at(
            [...path, 'needs', index],
            `names no stage "${need}" of pipeline ${pipelineName}${didYouMean(need, others)}`,
          );
        }
      });
    }
    if (typeof stage.foreach === 'string' && !names.includes(stage.foreach)) {
      const others = names.filter((n) => n !== name);
      at(
        [...path, 'foreach'],
        `names no upstream stage "${stage.foreach}" of pipeline ${pipelineName}${didYouMean(stage.foreach, others)}`,
      );
    } else if (stage.foreach === name) {
      at([...path, 'foreach'], 'names the stage itself; foreach takes an upstream stage');
    }
  }
}

/** The longest delay a Node timer keeps (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

function checkTimeout(path: FieldPath, knobs: Record<string, unknown>, at: Reporter): void {
  if (typeof knobs.timeout !== 'string') return;
  const ms = parseDuration(knobs.timeout);
  if (ms === undefined) return;
  if (ms === 0) at([...path, 'timeout'], 'must be longer than 0 (leave timeout out for none)', 'value');
  if (ms > LONGEST_TIMEOUT_MS)
    at(
      [...path, 'timeout'],
      `${knobs.timeout} is longer than the longest timeout, 24d (leave timeout out for none)`,
      'value',
    );
}

/** Keeps one error per field: an anyOf hides the errors of its branches. */
function schemaErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const seen = new Set<string>();
  const kept: ErrorObject[] = [];
  for (const error of errors) {
    const insideAnyOf =
      error.keyword !== 'anyOf' &&
      anyOfPaths.some((p) => error.instancePath === p || error.instancePath.startsWith(`${p}/`));
    // propertyNames failures come twice: once bare, once as `propertyNames`.
    if (insideAnyOf || error.propertyName !== undefined) continue;
    const id = `${error.instancePath}|${error.keyword}|${JSON.stringify(error.params)}`;
    if (error.keyword === 'if' || seen.has(id)) continue;
    seen.add(id);
    kept.push(error);
  }
  const typeFailed = new Set(kept.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return kept.filter((e) => e.keyword === 'type' || !typeFailed.has(e.instancePath));
}

function describeSchemaError(error: ErrorObject, path: FieldPath, at: Reporter, value: unknown): void {
  const expect = (error.parentSchema as Record<string, unknown> | undefined)?.['x-expect'];
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(((error.parentSchema as { properties?: object })?.properties ?? {}) as object);
      at([...path, field], `is not a known field${didYouMean(field, known)}`);
      return;
    }
    case 'required': {
      const field = String((error.params as { missingProperty: string }).missingProperty);
      at(path, `is missing the required field "${field}"`);
      return;
    }
    case 'propertyNames': {
      const name = String((error.params as { propertyName: string }).propertyName);
      at([...path, name], `is not a valid name: use letters, digits, _, . and -, starting with a letter or _`);
      return;
    }
    case 'minProperties':
      at(path, 'must not be empty');
      return;
    default: {
      // `${...}` is expanded in run, shell, inputs, outputs, foreach, params and env values only.
      const isExpansion = typeof value === 'string' && value.includes('${');
      const hint = isExpansion
        ? ' (`${...}` is expanded in run, shell, inputs, outputs, foreach, params and env only)'
        : '';
      at(path, `must be ${typeof expect === 'string' ? expect : (error.message ?? 'valid')}${hint}`);
    }
  }
}

/** The value at `path` of the parsed document, if there is one. */
function valueAt(data: unknown, path: FieldPath): unknown {
  let value = data;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
