// What a run record read back from .runner/runs must look like: every
// field the report, `runner graph` and `runner cache stats` read, down to
// the failure and the why of each stage and the events. Kept next to the
// types it mirrors (RunRecord here, the events in src/engine/events.ts,
// Why in src/cache/why.ts); a field added there is optional here until a
// reader relies on it.
import {
  anything,
  arrayOf,
  boolean,
  exactly,
  nullable,
  number,
  objectOf,
  oneOf,
  optional,
  recordOf,
  string,
  unionOf,
} from '../util/shape.js';
import type { Check } from '../util/shape.js';

const STRINGS = arrayOf(string);
const OUTCOME = oneOf('ran', 'cached', 'restored', 'failed', 'cancelled', 'blocked');
const STATUS = oneOf('success', 'failed', 'cancelled');
const ITEMS = objectOf({ total: number, done: number, cached: number, failed: number });
const FILE_CHANGE = oneOf('changed', 'added', 'removed');

const CHANGE = unionOf('kind', {
  format: objectOf({}),
  definition: objectOf({ field: string, old: anything, new: anything }),
  code: objectOf({ file: string, change: FILE_CHANGE }),
  param: objectOf({ name: string, old: anything, new: anything }),
  env: objectOf({ name: string, old: optional(string), new: optional(string), isSecret: boolean }),
  version: objectOf({ old: nullable(string), new: nullable(string) }),
  input: objectOf({ file: string, change: FILE_CHANGE }),
  upstream: objectOf({ stage: string }),
});

const WHY = unionOf('reason', {
  unchanged: objectOf({}),
  forced: objectOf({}),
  'no-cache': objectOf({}),
  'policy-never': objectOf({}),
  'no-cache-entry': objectOf({}),
  'found-in-cache': objectOf({}),
  changed: objectOf({ changes: arrayOf(CHANGE), moreInputs: optional(number) }),
  'output-missing': objectOf({ path: string }),
  'output-changed': objectOf({ path: string }),
  'ttl-expired': objectOf({ ageMs: number, ttlMs: number }),
  uncacheable: objectOf({ items: number }),
  'upstream-will-run': objectOf({ stage: string }),
});

const FAILURE = unionOf('kind', {
  'exit-non-zero': objectOf({ code: number, stderrTail: STRINGS }),
  killed: objectOf({ signal: string }),
  timeout: objectOf({ afterMs: number }),
  error: objectOf({ message: string, stack: optional(string) }),
  'items-failed': objectOf({ failed: number, first: arrayOf(objectOf({ item: string, message: string })) }),
  'output-not-written': objectOf({ path: string, isDirectory: optional(boolean) }),
  'bad-module': objectOf({ message: string }),
  'upstream-missing': objectOf({ stage: string }),
  'input-missing': objectOf({ path: string }),
  'cache-error': objectOf({ message: string }),
});

const STAGE_EVENT = { time: string, pipeline: string, stage: string };

const EVENT = unionOf('event', {
  'run:start': objectOf({
    time: string,
    runId: string,
    pipelines: STRINGS,
    stages: arrayOf(objectOf({ pipeline: string, stage: string, needs: STRINGS })),
    jobs: number,
    dryRun: boolean,
    daemon: optional(boolean),
  }),
  'stage:start': objectOf({ ...STAGE_EVENT, key: string }),
  'stage:progress': objectOf({ ...STAGE_EVENT, done: number, total: nullable(number), cached: number }),
  'stage:log': objectOf({ ...STAGE_EVENT, stream: oneOf('stdout', 'stderr', 'log'), line: string }),
  'stage:end': objectOf({
    ...STAGE_EVENT,
    outcome: OUTCOME,
    reason: string,
    why: optional(WHY),
    failure: optional(FAILURE),
    key: optional(string),
    durationMs: number,
    items: ITEMS,
    attempts: optional(number),
    peakRssBytes: optional(number),
  }),
  'stage:batch': objectOf({
    ...STAGE_EVENT,
    batch: string,
    items: number,
    worker: string,
    computeMs: number,
    roundTripMs: number,
    starts: number,
  }),
  warning: objectOf({ time: string, message: string, pipeline: optional(string), stage: optional(string) }),
  'run:end': objectOf({
    time: string,
    runId: string,
    status: STATUS,
    durationMs: number,
    counts: recordOf(number),
    peakRssBytes: number,
    cpuUtilisation: number,
    filesVouched: optional(number),
  }),
});

const STAGE_SUMMARY = objectOf({
  pipeline: string,
  stage: string,
  needs: STRINGS,
  key: optional(string),
  outcome: optional(OUTCOME),
  reason: optional(string),
  why: optional(WHY),
  failure: optional(FAILURE),
  startMs: optional(number),
  endMs: optional(number),
  durationMs: optional(number),
  items: optional(ITEMS),
  cache: objectOf({ hits: number, misses: number }),
  attempts: optional(number),
  peakRssBytes: optional(number),
  workers: optional(recordOf(objectOf({ batches: number, items: number }))),
});

export const RUN_RECORD: Check = objectOf({
  format: exactly(1),
  runId: string,
  argv: STRINGS,
  startedAt: string,
  endedAt: optional(string),
  status: optional(STATUS),
  durationMs: optional(number),
  pipelines: STRINGS,
  jobs: number,
  counts: optional(recordOf(number)),
  peakRssBytes: optional(number),
  cpuUtilisation: optional(number),
  stages: arrayOf(STAGE_SUMMARY),
  events: arrayOf(EVENT),
});
