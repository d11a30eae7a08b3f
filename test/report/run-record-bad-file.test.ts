// A run record in .runner/runs that is not one (not JSON, or JSON of the
// wrong shape) is skipped with one message naming the file, and the next
// older record is the latest; its readers (the HTML report, `runner graph`,
// `runner cache stats`) never see a field of the wrong type. Every record
// the sink writes passes the check.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunRecord, RunRecordSink } from '../../src/report/run-record.js';
import type { RunRecord } from '../../src/report/run-record.js';
import { tempDir } from '../cache/helpers.js';
import { RUN_ID, runEvents } from './fixtures.js';

const OLDER = '20261130T090000000Z-old0';

/** A runs folder holding the fixture's record (every kind of event, a failure, a why) and an older one. */
function runsDir(): { dir: string; newest: string } {
  const dir = tempDir();
  for (const runId of [OLDER, RUN_ID]) {
    const sink = new RunRecordSink({ dir, argv: ['exec', 'p'] });
    for (const event of runEvents()) sink.handle(event.event === 'run:start' ? { ...event, runId } : event);
    sink.close();
  }
  return { dir, newest: path.join(dir, `${RUN_ID}.json`) };
}

type Edit = (record: Record<string, unknown> & { stages: Record<string, unknown>[]; events: unknown[] }) => unknown;

const BAD: [string, Edit, string][] = [
  [
    'stages null',
    (r) => {
      r.stages = null as never;
    },
    'stages: expected an array, got null',
  ],
  [
    "a stage's cache counts null",
    (r) => {
      (r.stages[0] as Record<string, unknown>).cache = null;
    },
    'stages[0].cache: expected an object, got null',
  ],
  [
    'a failure without its stderr tail',
    (r) => {
      (r.stages[2] as Record<string, unknown>).failure = { kind: 'exit-non-zero', code: 1 };
    },
    'stages[2].failure.stderrTail: expected an array, got nothing',
  ],
  [
    'a why of no known reason',
    (r) => {
      (r.stages[1] as Record<string, unknown>).why = { reason: 'because' };
    },
    'stages[1].why.reason: expected one of unchanged, forced,',
  ],
  [
    'pipelines as a string',
    (r) => {
      r.pipelines = 'p';
    },
    'pipelines: expected an array, got "p"',
  ],
  [
    'a log event without its line',
    (r) => {
      const log = r.events.find((e) => (e as { event: string }).event === 'stage:log') as Record<string, unknown>;
      delete log.line;
    },
    'events[5].line: expected a string, got nothing',
  ],
  ['null', () => null, 'expected an object, got null'],
];

function damage(file: string, edit: Edit): void {
  const record = JSON.parse(fs.readFileSync(file, 'utf8'));
  const replaced = edit(record);
  fs.writeFileSync(file, JSON.stringify(replaced === undefined ? record : replaced));
}

describe('a bad run record', () => {
  it('the sink writes records that pass the check', () => {
    const { dir } = runsDir();
    const messages: string[] = [];
    const record = readRunRecord(dir, { onBadFile: (m) => messages.push(m) });
    expect(record?.runId).toBe(RUN_ID);
    // Progress events are not recorded.
    expect(record?.events).toHaveLength(runEvents().filter((e) => e.event !== 'stage:progress').length);
    expect(messages).toEqual([]);
  });

  it.each(BAD)('%s: is skipped with one message naming it; the older record is the latest', (_name, edit, problem) => {
    const { dir, newest } = runsDir();
    damage(newest, edit);
    for (const query of [{}, { pipeline: 'p' }, { runId: '2026113' }]) {
      const messages: string[] = [];
      const record: RunRecord | undefined = readRunRecord(dir, { ...query, onBadFile: (m) => messages.push(m) });
      expect(record?.runId).toBe(OLDER);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.startsWith(`${newest}: ${problem}`), messages[0]).toBe(true);
      expect(messages[0]?.endsWith('; ignoring it')).toBe(true);
    }
  });

  it('that is not JSON is skipped the same way', () => {
    const { dir, newest } = runsDir();
    fs.writeFileSync(newest, '{"format":1,"runId":');
    const messages: string[] = [];
    expect(readRunRecord(dir, { onBadFile: (m) => messages.push(m) })?.runId).toBe(OLDER);
    expect(messages).toEqual([expect.stringMatching(new RegExp(`^${newest}: not JSON \\(.*\\); ignoring it$`))]);
  });

  it("of another runner's format is skipped without a message", () => {
    const { dir, newest } = runsDir();
    damage(newest, (r) => {
      r.format = 2;
      r.stages = null as never;
    });
    const messages: string[] = [];
    expect(readRunRecord(dir, { onBadFile: (m) => messages.push(m) })?.runId).toBe(OLDER);
    expect(messages).toEqual([]);
  });
});
