// A realistic event stream with fixed times, for the sinks' tests: three
// stages of pipeline `p` (a map stage with items and hits, a shell stage
// that fails, a cached stage, a blocked one) plus a log line and a warning.
import { Writable } from 'node:stream';
import type { EventInput, RunEvent } from '../../src/engine/events.js';

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

export const RUN_ID = '20261130T100000Z-test';

export function runEvents(): RunEvent[] {
  const items = (total: number, done: number, cached: number, failed = 0) => ({ total, done, cached, failed });
  return [
    {
      event: 'run:start',
      time: at(0),
      runId: RUN_ID,
      pipelines: ['p'],
      stages: [
        { pipeline: 'p', stage: 'scan', needs: [] },
        { pipeline: 'p', stage: 'embed', needs: ['scan'] },
        { pipeline: 'p', stage: 'lint', needs: [] },
        { pipeline: 'p', stage: 'report', needs: ['embed', 'lint'] },
      ],
      jobs: 2,
      dryRun: false,
    },
    { event: 'stage:start', time: at(5), pipeline: 'p', stage: 'scan', key: 'k-scan' },
    {
      event: 'stage:end',
      time: at(6),
      pipeline: 'p',
      stage: 'scan',
      outcome: 'cached',
      reason: 'unchanged',
      why: { reason: 'unchanged' },
      key: 'k-scan',
      durationMs: 1,
      items: items(0, 0, 0),
    },
    { event: 'stage:start', time: at(10), pipeline: 'p', stage: 'embed', key: 'k-embed' },
    { event: 'stage:start', time: at(12), pipeline: 'p', stage: 'lint', key: 'k-lint' },
    { event: 'stage:progress', time: at(1000), pipeline: 'p', stage: 'embed', done: 40, total: 100, cached: 30 },
    { event: 'stage:log', time: at(1500), pipeline: 'p', stage: 'lint', stream: 'stderr', line: 'src/a.ts: 1 problem' },
    // Within 5 s of the last progress line of embed: not printed.
    { event: 'stage:progress', time: at(3000), pipeline: 'p', stage: 'embed', done: 60, total: 100, cached: 30 },
    {
      event: 'stage:end',
      time: at(3200),
      pipeline: 'p',
      stage: 'lint',
      outcome: 'failed',
      reason: 'exit code 1',
      failure: { kind: 'exit-non-zero', code: 1, stderrTail: ['src/a.ts: 1 problem'] },
      key: 'k-lint',
      durationMs: 3188,
      items: items(0, 0, 0),
      peakRssBytes: 50 * 1024 ** 2,
    },
    { event: 'stage:progress', time: at(6500), pipeline: 'p', stage: 'embed', done: 90, total: 100, cached: 30 },
    { event: 'warning', time: at(7000), message: 'cache store slow', pipeline: 'p', stage: 'embed' },
    {
      event: 'stage:end',
      time: at(8010),
      pipeline: 'p',
      stage: 'embed',
      outcome: 'ran',
      reason: 'input changed: src/b.ts',
      why: { reason: 'changed', changes: [{ kind: 'input', file: 'src/b.ts', change: 'changed' }] },
      key: 'k-embed',
      durationMs: 8000,
      items: items(100, 100, 30),
      attempts: 1,
      peakRssBytes: 120 * 1024 ** 2,
    },
    {
      event: 'stage:end',
      time: at(8011),
      pipeline: 'p',
      stage: 'report',
      outcome: 'blocked',
      reason: 'upstream failed: lint',
      durationMs: 0,
      items: items(0, 0, 0),
    },
    {
      event: 'run:end',
      time: at(8020),
      runId: RUN_ID,
      status: 'failed',
      durationMs: 8020,
      counts: { ran: 1, cached: 1, restored: 0, failed: 1, cancelled: 0, blocked: 1 },
      peakRssBytes: 130 * 1024 ** 2,
      cpuUtilisation: 0.8,
    },
  ];
}

/** The events as the engine emits them (CompositeSink adds `time`). */
export function runInputs(): EventInput[] {
  return runEvents().map(({ time: _time, ...rest }) => rest as EventInput);
}

/** A writable that says it is a terminal, and keeps what was written. */
export class FakeTty extends Writable {
  readonly isTTY = true;
  readonly columns: number;
  text = '';
  constructor(columns = 120) {
    super();
    this.columns = columns;
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
