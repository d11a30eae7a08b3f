// The `ctx` a stage's code receives.
import fs from 'node:fs';
import path from 'node:path';
import type { JsonRecord, StageContext } from '../api.js';
import type { StagePlan } from '../config/types.js';
import type { StageRecord } from '../cache/state.js';
import { readDataset } from './read-records.js';
import { guardParams } from './params-guard.js';
import { inWorkspace } from '../util/fs.js';
import type { Resources } from './resources.js';
import { noItemReader } from './map/item-read.js';
import type { ReadItem } from './map/item-read.js';

export interface ContextOptions {
  stage: StagePlan;
  inputs: readonly string[];
  upstream: ReadonlyMap<string, StageRecord>;
  signal: AbortSignal;
  res: Resources;
  tmp: string;
  onProgress(done: number, total?: number): void;
  /** ctx.read: a map over files' (item-read.ts); elsewhere it says what it is for. */
  read?: ReadItem;
  /** ctx.code: the hash of the stage's code, as its key has it (codeFingerprint). */
  code: string;
}

export function createContext(options: ContextOptions): StageContext {
  const { stage, res } = options;
  const { definition } = stage;
  const env = Object.fromEntries(definition.env.map((e) => [e.name, e.value]));
  const memoKey = (key: string): string => `memo:${stage.id}:${key}`;
  return {
    pipeline: stage.pipeline,
    stage: stage.name,
    params: guardParams(definition.params, stage.id),
    inputs: options.inputs,
    outputs: definition.outputs,
    env,
    signal: options.signal,
    upstream(name: string): AsyncIterable<JsonRecord> {
      const record = options.upstream.get(name);
      if (!record) {
        throw new Error(
          `${stage.id}: upstream("${name}") is not one of its needs (${definition.needs.join(', ') || 'none'})`,
        );
      }
      if (!record.dataset) return (async function* () {})();
      return readDataset(res.objects, record.dataset, `${stage.pipeline}/${name}`);
    },
    log(message: string): void {
      for (const line of String(message).split('\n')) {
        res.emit({ event: 'stage:log', pipeline: stage.pipeline, stage: stage.name, stream: 'log', line });
      }
    },
    progress: options.onProgress,
    workspace: {
      root: res.root,
      stateDir: res.stateDir,
      tmp: options.tmp,
      resolve: (file: string) => inWorkspace(res.root, file),
    },
    memo: {
      async get<T>(key: string): Promise<T | undefined> {
        const stored = await (await res.memo())?.get<{ v: T; at: number }>(memoKey(key));
        return stored && typeof stored === 'object' && 'at' in stored ? stored.v : undefined;
      },
      async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
        // Dated like every entry, so `cache prune --older-than` can age it.
        await (await res.memo())?.set(memoKey(key), { v: value, at: Date.now() }, ttlMs);
      },
    },
    read: options.read ?? noItemReader(stage.id, `a ${definition.kind} stage has no such items`),
    code: options.code,
  };
}

export function makeTempDir(res: Resources, stage: StagePlan): string {
  const dir = path.join(
    res.stateDir,
    'tmp',
    `${stage.pipeline}-${stage.name}-${process.pid}-${Date.now().toString(36)}`,
  );
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
