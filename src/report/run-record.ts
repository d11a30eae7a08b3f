// .runner/runs/<id>.json: the run as data (stages, timings, items, cache
// hits and misses, peak memory, CPU use) plus its events. The HTML report,
// `runner graph` and `runner cache stats` read it back.
import fs from 'node:fs';
import path from 'node:path';
import { messageOf } from '../util/errors.js';
import type { RunEndEvent, RunEvent, RunStartEvent, StageEndEvent } from '../engine/events.js';
import { readJsonFile, writeFileAtomic } from '../util/fs.js';
import { isOtherFormat, shapeProblem } from '../util/shape.js';
import { RUN_RECORD } from './run-record-shape.js';
import type { Sink } from './sink.js';

export interface StageSummary {
  pipeline: string;
  stage: string;
  needs: string[];
  key?: string;
  outcome?: StageEndEvent['outcome'];
  reason?: string;
  why?: StageEndEvent['why'];
  failure?: StageEndEvent['failure'];
  /** Milliseconds since the run started. */
  startMs?: number;
  endMs?: number;
  durationMs?: number;
  /** How long it held a job slot (see StageEndEvent). */
  slotMs?: number;
  items?: StageEndEvent['items'];
  cache: { hits: number; misses: number };
  attempts?: number;
  peakRssBytes?: number;
  /** Map stages run on remote workers (`--workers`): batches and items per worker (hostname:pid). */
  workers?: Record<string, { batches: number; items: number }>;
}

export interface RunRecord {
  format: 1;
  runId: string;
  argv: string[];
  startedAt: string;
  endedAt?: string;
  status?: RunEndEvent['status'];
  durationMs?: number;
  pipelines: string[];
  jobs: number;
  counts?: RunEndEvent['counts'];
  peakRssBytes?: number;
  cpuUtilisation?: number;
  stages: StageSummary[];
  events: RunEvent[];
}

const KEEP_RUNS = 100;
const PRUNE_BATCH = 20;
const LOG_LINES_PER_STAGE = 200;

export class RunRecordSink implements Sink {
  readonly #dir: string;
  readonly #argv: string[];
  readonly #onNotSaved: ((problem: string) => void) | undefined;
  #record: RunRecord | undefined;
  readonly #stages = new Map<string, StageSummary>();
  readonly #logLines = new Map<string, number>();
  #startMs = 0;

  /** `onNotSaved`: told why, when the record cannot be written (the run it records stands). */
  constructor(options: { dir: string; argv: string[]; onNotSaved?: (problem: string) => void }) {
    this.#dir = options.dir;
    this.#argv = options.argv;
    this.#onNotSaved = options.onNotSaved;
  }

  get record(): RunRecord | undefined {
    return this.#record;
  }

  handle(event: RunEvent): void {
    if (event.event === 'run:start') this.#start(event);
    const record = this.#record;
    if (!record) return;
    const at = Date.parse(event.time) - this.#startMs;
    switch (event.event) {
      case 'stage:start': {
        const stage = this.#stage(event.pipeline, event.stage);
        stage.key = event.key;
        stage.startMs = at;
        break;
      }
      case 'stage:log': {
        const id = `${event.pipeline}/${event.stage}`;
        const count = (this.#logLines.get(id) ?? 0) + 1;
        this.#logLines.set(id, count);
        if (count > LOG_LINES_PER_STAGE) return;
        break;
      }
      case 'stage:progress':
        return;
      case 'stage:batch':
        this.#tallyBatch(event);
        break;
      case 'stage:end': {
        const stage = this.#stage(event.pipeline, event.stage);
        Object.assign(stage, {
          outcome: event.outcome,
          reason: event.reason,
          why: event.why,
          failure: event.failure,
          key: event.key ?? stage.key,
          endMs: at,
          startMs: stage.startMs ?? at - event.durationMs,
          durationMs: event.durationMs,
          slotMs: event.slotMs,
          items: event.items,
          attempts: event.attempts,
          peakRssBytes: event.peakRssBytes,
        });
        stage.cache = cacheCounts(event);
        break;
      }
      case 'run:end':
        Object.assign(record, {
          endedAt: event.time,
          status: event.status,
          durationMs: event.durationMs,
          counts: event.counts,
          peakRssBytes: event.peakRssBytes,
          cpuUtilisation: event.cpuUtilisation,
        });
        break;
      default:
        break;
    }
    record.events.push(event);
  }

  /** A batch a remote worker computed: counted under that worker in its stage's summary. */
  #tallyBatch(event: Extract<RunEvent, { event: 'stage:batch' }>): void {
    const stage = this.#stage(event.pipeline, event.stage);
    const tally = stage.workers?.[event.worker] ?? { batches: 0, items: 0 };
    stage.workers = {
      ...stage.workers,
      [event.worker]: { batches: tally.batches + 1, items: tally.items + event.items },
    };
  }

  close(): void {
    const record = this.#record;
    if (!record) return;
    try {
      writeFileAtomic(path.join(this.#dir, `${record.runId}.json`), JSON.stringify(record));
      pruneOldRuns(this.#dir);
    } catch (error) {
      this.#onNotSaved?.(messageOf(error));
    }
  }

  #start(event: RunStartEvent): void {
    this.#startMs = Date.parse(event.time);
    this.#record = {
      format: 1,
      runId: event.runId,
      argv: this.#argv,
      startedAt: event.time,
      pipelines: event.pipelines,
      jobs: event.jobs,
      stages: [],
      events: [],
    };
    for (const stage of event.stages) this.#stage(stage.pipeline, stage.stage).needs = stage.needs;
  }

  #stage(pipeline: string, name: string): StageSummary {
    const id = `${pipeline}/${name}`;
    let stage = this.#stages.get(id);
    if (!stage) {
      stage = { pipeline, stage: name, needs: [], cache: { hits: 0, misses: 0 } };
      this.#stages.set(id, stage);
      this.#record?.stages.push(stage);
    }
    return stage;
  }
}

function cacheCounts(event: StageEndEvent): { hits: number; misses: number } {
  if (event.items.total > 0) return { hits: event.items.cached, misses: event.items.total - event.items.cached };
  if (event.outcome === 'cached' || event.outcome === 'restored') return { hits: 1, misses: 0 };
  if (event.outcome === 'ran' || event.outcome === 'failed') return { hits: 0, misses: 1 };
  return { hits: 0, misses: 0 };
}

/** Keeps the newest KEEP_RUNS records; prunes in batches so most runs only list the folder. */
function pruneOldRuns(dir: string): void {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return;
  }
  if (files.length <= KEEP_RUNS + PRUNE_BATCH) return;
  files.sort();
  for (const file of files.slice(0, files.length - KEEP_RUNS)) fs.rmSync(path.join(dir, file), { force: true });
}

/** Run ids sort by time, to the millisecond: 20261130T031955123Z-a1b2. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export interface RunRecordQuery {
  /** The run with this id (or id prefix); default: the latest. */
  runId?: string;
  /** The latest run of this pipeline. */
  pipeline?: string;
  /** Told about each record file that cannot be used (which is then skipped). */
  onBadFile?: (message: string) => void;
}

export function readRunRecord(dir: string, query: RunRecordQuery = {}): RunRecord | undefined {
  let files: string[];
  try {
    files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .reverse();
  } catch {
    return undefined;
  }
  for (const file of files) {
    if (query.runId !== undefined && !file.startsWith(query.runId)) continue;
    const record = readRecordFile(path.join(dir, file), query.onBadFile);
    if (record && (query.pipeline === undefined || record.pipelines.includes(query.pipeline))) return record;
  }
  return undefined;
}

/** The record in `file`; undefined when it is another runner's format, or not a record (said through `onBadFile`). */
function readRecordFile(file: string, onBadFile: ((message: string) => void) | undefined): RunRecord | undefined {
  const read = readJsonFile(file);
  if (read === undefined) return undefined;
  const value = 'value' in read ? read.value : undefined;
  if (isOtherFormat(value, 1)) return undefined;
  const problem = 'problem' in read ? read.problem : shapeProblem(value, RUN_RECORD);
  if (problem === undefined) return value as RunRecord;
  onBadFile?.(`${file}: ${problem}; ignoring it`);
  return undefined;
}
