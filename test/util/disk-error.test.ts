// A write the disk refuses is reported naming the file and what to do; any
// other failure passes through as it was (callers still tell a missing file
// by its code).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diskError } from '../../src/util/errors.js';

function thrown(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('diskError', () => {
  it('names the file and says the disk is full for a write /dev/full refuses', () => {
    const fd = fs.openSync('/dev/full', 'w');
    const error = thrown(() => fs.writeSync(fd, Buffer.from('x')));
    fs.closeSync(fd);
    const told = diskError(error, 'the cache object', '/ws/.runner/objects/ab/cd');
    expect((told as Error).message).toBe(
      'cannot write the cache object /ws/.runner/objects/ab/cd: ENOSPC: no space left on device, write (the disk is full: free space on it and run again)',
    );
    expect((told as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect((told as Error).cause).toBe(error);
  });

  it('passes any other failure on as it was', () => {
    const error = thrown(() => fs.writeFileSync('/nonexistent-dir/file', 'x'));
    expect(diskError(error, 'the cache object', '/nonexistent-dir/file')).toBe(error);
    expect(diskError('text', 'the cache object', 'f')).toBe('text');
  });
});
