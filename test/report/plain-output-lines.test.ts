import { describe, expect, it } from 'vitest';
import { PlainSink } from '../../src/report/plain.js';
import { runEvents } from './fixtures.js';

describe('plain output (not a terminal, CI, NO_COLOR)', () => {
  it('prints these exact lines: no cached stages, one progress line per stage per 5 s, no escape codes', () => {
    let text = '';
    let tick = 0;
    const sink = new PlainSink({ write: (t) => (text += t), clock: () => `t${tick++}` });
    for (const event of runEvents()) sink.handle(event);
    expect(text.split('\n')).toEqual([
      '[t0] run 20261130T100000Z-test: p (4 stages, jobs 2)',
      '[t1] p/embed: 40/100 items, 30 cached',
      '[t2] p/lint | src/a.ts: 1 problem',
      '[t3] p/lint: FAILED after 3.19s: exit code 1',
      '[t4] p/embed: 90/100 items, 30 cached',
      '[t5] warning: p/embed: cache store slow',
      '[t6] p/embed: ran in 8.00s (input changed: src/b.ts), 100 items (30 cached)',
      '[t7] p/report: blocked (upstream failed: lint)',
      '[t8] failed in 8.02s: 1 ran, 1 cached, 1 failed, 1 blocked (peak 130.0 MiB)',
      '',
    ]);
    expect(text).not.toMatch(/\x1b/);
  });

  it('stamps lines with the time of day of each event by default', () => {
    let text = '';
    const sink = new PlainSink({ write: (t) => (text += t) });
    const [start] = runEvents();
    if (start) sink.handle(start);
    expect(text).toBe('[10:00:00] run 20261130T100000Z-test: p (4 stages, jobs 2)\n');
  });
});
