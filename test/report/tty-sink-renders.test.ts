import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { TtySink } from '../../src/report/tty.js';
import { FakeTty, runEvents, stripAnsi } from './fixtures.js';

/** Polls until `check` passes or the timeout ends; never a fixed sleep. */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('terminal progress (TtySink)', () => {
  let sink: TtySink | undefined;
  afterEach(() => sink?.close());

  it('draws a live line per running stage, then ends with the per-stage table', async () => {
    const tty = new FakeTty(120);
    let now = 0;
    sink = new TtySink({ stream: tty, now: () => now, fps: 100 });
    const events = runEvents();
    const upTo = (stage: string): RunEvent[] =>
      events.splice(0, events.findIndex((e) => e.event === 'stage:progress' && e.stage === stage) + 1);
    for (const event of upTo('embed')) sink.handle(event);
    now = 2000;
    await until(() => stripAnsi(tty.text).includes('p/embed'));
    const live = stripAnsi(tty.text);
    // 30 of the 40 done were cache hits: 10 computed in 2 s is 5 items/s, 60 left take 12 s.
    expect(live).toMatch(/p\/embed\s+█+░+\s+40\/100 items\s+5\.0\/s\s+ETA 12s\s+30 hits/);
    expect(live).toMatch(/runner {2}█+░+ {2}1\/4 stages {2}2 running {2}1 cached {2}2\.00s/);
    expect(live).not.toContain('p/scan'); // a cache hit gets no line of its own

    for (const event of events) sink.handle(event);
    // The bars are cleared from the screen (erase below, ESC[0J) before the table is printed.
    const afterBars = tty.text.slice(tty.text.lastIndexOf('\x1b[0J') + '\x1b[0J'.length);
    const lines = stripAnsi(afterBars)
      .split(/\r?\n/)
      .map((l) => l.trimEnd());
    while (lines.at(-1) === '') lines.pop();
    expect(lines).toEqual([
      'stage     outcome   time  ran  cached  failed   peak mem',
      'p/scan    cached     1ms    -       -       -          -',
      'p/lint    failed   3.19s    -       -       -   50.0 MiB',
      'p/embed   ran      8.00s   70      30       0  120.0 MiB',
      'p/report  blocked      -    -       -       -          -',
      'failed in 8.02s: 1 ran, 1 cached, 1 failed, 1 blocked (peak 130.0 MiB)',
    ]);
    // Each finished stage (but the cache hit) left one summary line, and the log line got through.
    const text = stripAnsi(tty.text);
    expect(text).toMatch(/✓ p\/embed\s+ran in 8\.00s · 100 items, 30 hits · input changed: src\/b\.ts/);
    expect(text).toMatch(/✗ p\/lint\s+failed in 3\.19s · exit code 1/);
    expect(text).toMatch(/⊘ p\/report\s+blocked · upstream failed: lint/);
    expect(text).toContain('p/lint | src/a.ts: 1 problem');
    expect(text).toContain('warning: p/embed: cache store slow');
  });

  it('shrinks the bars on a narrow terminal so the numbers still fit', async () => {
    const tty = new FakeTty(70);
    sink = new TtySink({ stream: tty, now: () => 2000, fps: 100 });
    const events = runEvents();
    for (const event of events.slice(0, events.findIndex((e) => e.event === 'stage:progress') + 1)) sink.handle(event);
    await until(() => stripAnsi(tty.text).includes('ETA'));
    const line =
      stripAnsi(tty.text)
        .split(/[\r\n]/)
        .find((l) => l.includes('p/embed')) ?? '';
    expect(line.trimEnd().length).toBeLessThanOrEqual(70);
    expect(line).toMatch(/ {2}p\/embed\s+[█░]{14} {2}40\/100 items {2}\S+\/s {2}ETA \S+ {2}30 hits$/);
  });

  it('stops drawing when closed without a run:end (no timer keeps the process alive)', () => {
    const tty = new FakeTty();
    sink = new TtySink({ stream: tty });
    const [start, stageStart] = runEvents();
    if (start && stageStart) {
      sink.handle(start);
      sink.handle(stageStart);
    }
    expect(() => sink?.close()).not.toThrow();
  });
});
