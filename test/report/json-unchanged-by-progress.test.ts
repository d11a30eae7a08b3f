import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PlainSink } from '../../src/report/plain.js';
import { CompositeSink, JsonSink } from '../../src/report/sink.js';
import type { Sink } from '../../src/report/sink.js';
import { TtySink } from '../../src/report/tty.js';
import { FakeTty, runInputs } from './fixtures.js';

/** The --json output of one run when these progress sinks sit beside JsonSink. */
async function jsonWith(progress: Sink[]): Promise<string> {
  let json = '';
  const events = new CompositeSink([...progress, new JsonSink((t) => (json += t))]);
  for (const input of runInputs()) events.emit(input);
  await events.close();
  return json;
}

describe('--json is the same whatever the human progress', () => {
  // Only Date is faked, so every event gets the same `time` in each run; the bars' redraw timers stay real.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T10:00:00.000Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('prints the same events, byte for byte, with the terminal bars, with plain lines, and alone', async () => {
    const alone = await jsonWith([]);
    const withTty = await jsonWith([new TtySink({ stream: new FakeTty() })]);
    const withPlain = await jsonWith([new PlainSink({ write: () => {} })]);
    expect(withTty).toBe(alone);
    expect(withPlain).toBe(alone);
    const lines = alone.trimEnd().split('\n');
    expect(lines).toHaveLength(runInputs().length);
    expect(lines.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(runInputs().map((e) => e.event));
  });
});
