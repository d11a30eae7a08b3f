// The exit code of an interrupted command: 128 plus the number of the
// signal that interrupted it; any other outcome keeps its own code.
import { describe, expect, it } from 'vitest';
import { EXIT, exitAfter } from '../../src/cli/io.js';

describe('exitAfter', () => {
  it('is 130 after Ctrl-C and 143 after SIGTERM for an interrupted command', () => {
    expect(exitAfter(EXIT.interrupted, 'SIGINT')).toBe(130);
    expect(exitAfter(EXIT.interrupted, 'SIGTERM')).toBe(143);
  });

  it('keeps the code of a command the signal did not interrupt, or of one no signal reached', () => {
    expect(exitAfter(EXIT.ok, 'SIGTERM')).toBe(0);
    expect(exitAfter(EXIT.failed, 'SIGTERM')).toBe(1);
    expect(exitAfter(EXIT.interrupted, undefined)).toBe(130);
  });
});
