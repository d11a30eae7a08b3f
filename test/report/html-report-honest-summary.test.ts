// The report's summary lines must agree with the run: a failed run is not
// "every stage was a cache hit", and no more stages ran at once than `jobs`
// allows (recording after a stage's work, and restores, take no job slot).
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html.js';
import type { RunRecord, StageSummary } from '../../src/report/run-record.js';

const stage = (name: string, fields: Partial<StageSummary>): StageSummary => ({
  pipeline: 'p',
  stage: name,
  needs: [],
  cache: { hits: 0, misses: 0 },
  ...fields,
});

const run = (stages: StageSummary[]): RunRecord =>
  ({
    format: 1,
    runId: 'r1',
    argv: ['exec', 'p'],
    startedAt: '2026-12-03T10:00:00.000Z',
    durationMs: 1000,
    pipelines: ['p'],
    jobs: 2,
    status: 'failed',
    stages,
    events: [],
  }) satisfies RunRecord;

describe('the HTML report summary', () => {
  it('says how a run where nothing ran ended, not that everything was cached', () => {
    const html = renderHtmlReport(
      run([
        stage('a', { outcome: 'cached' }),
        stage('b', { outcome: 'failed', reason: 'bad module', startMs: 0, endMs: 0 }),
        stage('c', { outcome: 'blocked', reason: 'upstream failed: b' }),
      ]),
    );
    expect(html).not.toContain('every stage was a cache hit');
    expect(html).toContain('Nothing ran: 1 cached, 1 failed, 1 blocked.');
    const cached = renderHtmlReport(run([stage('a', { outcome: 'cached' })]));
    expect(cached).toContain('Nothing ran: every stage was a cache hit.');
  });

  it('counts stages at once by their job slots, never more than jobs', () => {
    // Three stages whose whole spans overlap (each recorded for a while after its slot was free), jobs 2.
    const html = renderHtmlReport(
      run([
        stage('a', { outcome: 'ran', startMs: 0, endMs: 600, durationMs: 600, slotMs: 400 }),
        stage('b', { outcome: 'ran', startMs: 0, endMs: 600, durationMs: 600, slotMs: 400 }),
        stage('c', { outcome: 'ran', startMs: 400, endMs: 900, durationMs: 500, slotMs: 450 }),
        stage('d', { outcome: 'restored', startMs: 100, endMs: 300, durationMs: 200 }),
      ]),
    );
    expect(html).toContain('4 stages did work; up to <b>2</b> ran at once (jobs 2)');
  });
});
