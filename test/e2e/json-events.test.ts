import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      ok:',
  '        shell: "echo hello"',
  '      bad:',
  '        shell: "exit 4"',
  '      after:',
  '        needs: [bad]',
  '        shell: "true"',
  '',
].join('\n');

const OUTCOMES = ['ran', 'cached', 'restored', 'failed', 'cancelled', 'blocked'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Json = Record<string, unknown>;

/** Every non-empty stdout line must be one JSON object with an `event` field. */
function parseLines(stdout: string): Json[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const value = JSON.parse(line) as unknown;
      expect(typeof value === 'object' && value !== null && !Array.isArray(value), line).toBe(true);
      expect(typeof (value as Json).event, line).toBe('string');
      return value as Json;
    });
}

function expectItems(items: unknown): void {
  expect(items).toEqual({
    total: expect.any(Number),
    done: expect.any(Number),
    cached: expect.any(Number),
    failed: expect.any(Number),
  });
}

/** The fields DESIGN.md's Events section lists, per event. */
function expectContract(event: Json): void {
  expect(event.time).toMatch(ISO_TIME);
  switch (event.event) {
    case 'run:start':
      expect(event.runId).toEqual(expect.any(String));
      expect(event.pipelines).toEqual(['p']);
      return;
    case 'stage:start':
      expect(event.pipeline).toBe('p');
      expect(event.stage).toEqual(expect.any(String));
      expect(event.key).toMatch(/^[0-9a-f]{64}$/);
      return;
    case 'stage:progress':
      expect(event.done).toEqual(expect.any(Number));
      expect(event.cached).toEqual(expect.any(Number));
      expect('total' in event).toBe(true);
      return;
    case 'stage:end':
      expect(event.pipeline).toBe('p');
      expect(event.stage).toEqual(expect.any(String));
      expect(OUTCOMES).toContain(event.outcome);
      expect(event.reason).toEqual(expect.any(String));
      expect(event.reason).not.toBe('');
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
      expectItems(event.items);
      return;
    case 'run:end':
      expect(['success', 'failed', 'cancelled']).toContain(event.status);
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
      expect(Object.keys(event.counts as Json).sort()).toEqual([...OUTCOMES].sort());
      return;
    case 'stage:log':
    case 'warning':
      return;
    default:
      throw new Error(`unknown event ${String(event.event)}`);
  }
}

describe('--json', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('prints one JSON event per line, each with the fields of the contract', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['exec', 'p', '--json', '--keep-going']);
    expect(result.code).toBe(1);
    const events = parseLines(result.stdout);
    for (const event of events) expectContract(event);

    expect(events[0]?.event).toBe('run:start');
    expect(events.at(-1)?.event).toBe('run:end');
    expect(events.filter((e) => e.event === 'run:start')).toHaveLength(1);
    const runId = events[0]?.runId;
    expect(events.at(-1)?.runId).toBe(runId);

    const ends = events.filter((e) => e.event === 'stage:end');
    expect(Object.fromEntries(ends.map((e) => [e.stage, e.outcome]))).toEqual({
      ok: 'ran',
      bad: 'failed',
      after: 'blocked',
    });
    // A stage that ran or failed was started (with its key) before it ended.
    for (const stage of ['ok', 'bad']) {
      const startAt = events.findIndex((e) => e.event === 'stage:start' && e.stage === stage);
      const endAt = events.findIndex((e) => e.event === 'stage:end' && e.stage === stage);
      expect(startAt).toBeGreaterThan(0);
      expect(startAt).toBeLessThan(endAt);
    }
    expect(events.at(-1)).toMatchObject({
      status: 'failed',
      counts: { ran: 1, failed: 1, blocked: 1, cached: 0, restored: 0, cancelled: 0 },
    });
    // The command's output is an event too, not loose text on stdout.
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'stage:log', stage: 'ok', stream: 'stdout', line: 'hello' }),
    );
  });

  it("reports a rerun's unchanged stages as cached, with the same key", async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const first = parseLines((await ws.run(['exec', 'p', '--json', '--only', 'ok'])).stdout);
    const second = parseLines((await ws.run(['exec', 'p', '--json', '--only', 'ok'])).stdout);
    for (const event of second) expectContract(event);
    const key = (events: Json[]) => events.find((e) => e.event === 'stage:start' && e.stage === 'ok')?.key;
    expect(key(second)).toBe(key(first));
    expect(second.find((e) => e.event === 'stage:end')).toMatchObject({
      stage: 'ok',
      outcome: 'cached',
      reason: 'unchanged',
    });
    expect(second.at(-1)).toMatchObject({ event: 'run:end', status: 'success', counts: { cached: 1, ran: 0 } });
  });
});
