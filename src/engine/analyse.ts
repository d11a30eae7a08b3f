// Analyse fully, then execute: pipelines.yaml -> validated -> planned, with
// every problem collected. While the file's hash is unchanged the validated
// config comes from .runner/config.json, so a no-op run never loads the YAML
// parser or compiles the schema.
import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../config/diagnostic.js';
import { byPosition, formatPath } from '../config/diagnostic.js';
import type { ParsedYaml } from '../config/parse.js';
import { planConfig } from '../config/plan.js';
import type { PlanOptions } from '../config/plan.js';
import type { ConfigPlan, ValidatedConfig } from '../config/types.js';
import { buildGraph, findCycles } from '../graph/dag.js';
import type { Graph } from '../graph/dag.js';
import { readJsonFile, writeFileAtomic } from '../util/fs.js';
import { isOtherFormat, number, objectOf, shapeProblem, string } from '../util/shape.js';
import type { Check } from '../util/shape.js';
import { sha256 } from '../util/hash.js';
import { messageOf } from '../util/errors.js';

export const CONFIG_CACHE_FORMAT = 2;

export interface AnalyseOptions extends Omit<PlanOptions, 'locate'> {
  /** Runner version: a new runner never trusts an old runner's cached config. */
  runnerVersion: string;
  /** Skip .runner/config.json (validate, --no-cache). */
  isFresh?: boolean;
  /** Told why a .runner/config.json that is there cannot be used: the YAML is then read again. */
  onBadFile?: (message: string) => void;
}

export interface Analysis {
  plan: ConfigPlan;
  graphs: Map<string, Graph>;
}

export type AnalyseResult =
  | { ok: true; analysis: Analysis }
  | { ok: false; diagnostics: Diagnostic[]; source?: string };

// .runner/config.json: {"format":2,"hash":"…","sum":"…","config":{…}}, the
// config last, `sum` the sha256 of its text as written.
interface ConfigCacheFile {
  format: number;
  /** Of the runner version, this format and the source: which pipelines.yaml this is the config of. */
  hash: string;
  sum: string;
  config: ValidatedConfig;
}

const CONFIG_FIELD = ',"config":';

export async function analyse(options: AnalyseOptions): Promise<AnalyseResult> {
  let source: string;
  try {
    source = fs.readFileSync(options.file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read: ${messageOf(error)}`;
    return { ok: false, diagnostics: [{ file: options.file, path: '', message: reason }] };
  }
  const hash = sha256(`${options.runnerVersion}\0${CONFIG_CACHE_FORMAT}\0${source}`);
  const cacheFile = path.join(path.dirname(options.file), '.runner', 'config.json');
  if (!options.isFresh) {
    const cached = cachedConfig(cacheFile, hash, options);
    const fast = cached && finish(cached, options);
    if (fast?.ok) return fast;
    // Else the slow path, which reports any problem of finish with its line and column.
  }
  const { parseYaml } = await import('../config/parse.js');
  const { validateConfig } = await import('../config/validate.js');
  const parsedResult = parseYaml(options.file, source);
  if (!parsedResult.parsed) return { ok: false, diagnostics: parsedResult.diagnostics, source };
  const validated = validateConfig(options.file, parsedResult.parsed);
  const diagnostics = [...parsedResult.diagnostics, ...validated.diagnostics];
  if (!validated.config || diagnostics.length > 0) {
    // Report cycles too, so one pass shows every problem the file has.
    const { data } = parsedResult.parsed;
    diagnostics.push(...cycleDiagnostics(rawGraphs(data), data, options.file, parsedResult.parsed));
    return { ok: false, diagnostics: inSourceOrder(diagnostics), source };
  }
  const result = finish(validated.config, options, parsedResult.parsed);
  if (!result.ok) {
    const planOnly = result.diagnostics.some((d) => CYCLE.test(d.message))
      ? []
      : cycleDiagnostics(rawGraphs(validated.config), validated.config, options.file, parsedResult.parsed);
    return { ok: false, diagnostics: inSourceOrder([...result.diagnostics, ...planOnly]), source };
  }
  writeConfigCache(cacheFile, hash, validated.config);
  return result;
}

function writeConfigCache(file: string, hash: string, config: ValidatedConfig): void {
  const text = JSON.stringify(config);
  const head = JSON.stringify({ format: CONFIG_CACHE_FORMAT, hash, sum: sha256(text) });
  try {
    writeFileAtomic(file, `${head.slice(0, -1)}${CONFIG_FIELD}${text}}`);
  } catch {
    // A read-only workspace still runs; it only loses the fast path.
  }
}

const CACHE_HEADER: Check = objectOf({ format: number, hash: string, sum: string });

/**
 * The validated config in .runner/config.json while it is the one of this
 * source (`hash`). A config whose text does not match its checksum was
 * edited or damaged since it was written (and may not even have the shape
 * of a config): it is ignored, and the slow path writes a new one. The
 * checksum costs a small part of what validating the config again would
 * (about 15 µs a stage, on every run).
 */
function cachedConfig(file: string, hash: string, options: AnalyseOptions): ValidatedConfig | undefined {
  const read = readJsonFile(file);
  if (read === undefined) return undefined;
  const bad = (problem: string): undefined => void options.onBadFile?.(`${file}: ${problem}; ignoring it`);
  if ('problem' in read) return bad(read.problem);
  // Another format is another runner's file: stale, not damaged; the slow path replaces it.
  if (isOtherFormat(read.value, CONFIG_CACHE_FORMAT)) return undefined;
  const problem = shapeProblem(read.value, CACHE_HEADER);
  if (problem !== undefined) return bad(problem);
  const cached = read.value as ConfigCacheFile;
  if (cached.hash !== hash) return undefined;
  const start = read.text.indexOf(CONFIG_FIELD);
  if (start < 0 || sha256(read.text.slice(start + CONFIG_FIELD.length, -1)) !== cached.sum)
    return bad('the config does not match its checksum (edited or damaged since it was written)');
  return cached.config;
}

function finish(config: ValidatedConfig, options: AnalyseOptions, parsed?: ParsedYaml): AnalyseResult {
  const planned = planConfig(config, {
    file: options.file,
    env: options.env,
    paramOverrides: options.paramOverrides,
    pipelinesToCheck: options.pipelinesToCheck,
    locate: parsed?.locate,
  });
  if (!planned.plan) return { ok: false, diagnostics: planned.diagnostics };
  const graphs = new Map<string, Graph>();
  for (const pipeline of planned.plan.pipelines.values()) {
    graphs.set(
      pipeline.name,
      buildGraph([...pipeline.stages.values()].map((s) => ({ name: s.name, needs: s.definition.needs }))),
    );
  }
  const diagnostics = cycleDiagnostics(graphs, config, options.file, parsed);
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  return { ok: true, analysis: { plan: planned.plan, graphs } };
}

/** The messages of cycleDiagnostics. */
const CYCLE = /^(form a cycle|maps over a stage that needs it): /;

/**
 * A cycle said at the field of its first stage that names the next one:
 * `needs`, or `foreach` (a map over a stage needs it too). `data`: the
 * pipelines the graphs were made of, as written.
 */
function cycleDiagnostics(
  graphs: ReadonlyMap<string, Graph>,
  data: unknown,
  file: string,
  parsed?: ParsedYaml,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const [pipeline, graph] of graphs) {
    for (const cycle of findCycles(graph)) {
      const [first = '', next] = cycle;
      const isForeach = next !== undefined && foreachStageOf(data, pipeline, first) === next;
      const at = ['pipelines', pipeline, 'stages', first, isForeach ? 'foreach' : 'needs'];
      diagnostics.push({
        file,
        position: parsed?.locate(at),
        path: formatPath(at),
        message: `${isForeach ? 'maps over a stage that needs it' : 'form a cycle'}: ${cycle.join(' -> ')}`,
      });
    }
  }
  return diagnostics;
}

/** The stage a stage maps over, as written (`foreach: name`), if it maps over one. */
function foreachStageOf(data: unknown, pipeline: string, stage: string): string | undefined {
  const stages = (data as { pipelines?: Record<string, { stages?: Record<string, unknown> }> } | null)?.pipelines?.[
    pipeline
  ]?.stages;
  return foreachStage(stages?.[stage]);
}

/** The stage a stage's body, as written, maps over (`foreach: name`), if it maps over one. */
function foreachStage(body: unknown): string | undefined {
  const foreach = (body as { foreach?: unknown } | null | undefined)?.foreach;
  return typeof foreach === 'string' ? foreach : undefined;
}

/** The needs graph of whatever part of possibly invalid data is well formed. */
function rawGraphs(data: unknown): Map<string, Graph> {
  const graphs = new Map<string, Graph>();
  const pipelines = (data as { pipelines?: unknown } | null)?.pipelines;
  if (!pipelines || typeof pipelines !== 'object') return graphs;
  for (const [name, pipeline] of Object.entries(pipelines)) {
    const stages = (pipeline as { stages?: unknown } | null)?.stages;
    if (!stages || typeof stages !== 'object') continue;
    const nodes = Object.entries(stages).map(([stage, body]) => {
      const needs = (body as { needs?: unknown } | null)?.needs;
      const foreach = foreachStage(body);
      // A stage needing itself is reported by validation in its own words.
      const list = Array.isArray(needs) ? needs.filter((n): n is string => typeof n === 'string' && n !== stage) : [];
      if (foreach !== undefined && !list.includes(foreach)) list.push(foreach);
      return { name: stage, needs: list };
    });
    graphs.set(name, buildGraph(nodes));
  }
  return graphs;
}

function inSourceOrder(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(byPosition);
}
