import { describe, expect, it } from 'vitest';
import { PlainSink } from '../../src/report/plain.js';
import { isLiveTerminal, progressSink, TtySink } from '../../src/report/tty.js';
import { FakeTty } from './fixtures.js';

describe('which progress a run gets', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { CI: 'true' }, false],
    [true, { CI: '1' }, false],
    [true, { CI: 'false' }, true],
    [true, { CI: '' }, true],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
  ] as const)('stderr a TTY: %s, env %j -> live bars: %s', (isTty, env, expected) => {
    expect(isLiveTerminal({ isTty, env })).toBe(expected);
  });

  it('gives the TTY sink only for a live terminal, else the plain one', () => {
    const stream = new FakeTty();
    const write = (): void => {};
    expect(progressSink({ isTty: true, env: {}, write, stream })).toBeInstanceOf(TtySink);
    expect(progressSink({ isTty: true, env: { CI: 'true' }, write, stream })).toBeInstanceOf(PlainSink);
    expect(progressSink({ isTty: false, env: {}, write, stream })).toBeInstanceOf(PlainSink);
  });
});
