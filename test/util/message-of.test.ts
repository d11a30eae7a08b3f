// messageOf: what a thrown or rejected value says, in words.
import { describe, expect, it } from 'vitest';
import { messageOf } from '../../src/util/errors.js';

describe('messageOf', () => {
  it('gives an Error its message, and an error-like object its message', () => {
    expect(messageOf(new TypeError('bad input'))).toBe('bad input');
    expect(messageOf({ message: 'from a worker', stack: 'at x' })).toBe('from a worker');
  });

  it('gives any other object its JSON, not [object Object], cut at 200 characters', () => {
    expect(messageOf({ code: 7 })).toBe('{"code":7}');
    expect(messageOf({ text: 'x'.repeat(300) })).toBe(`${`{"text":"${'x'.repeat(300)}"}`.slice(0, 200)}…`);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(messageOf(cyclic)).toBe('[object Object]');
  });

  it('gives anything else as text', () => {
    expect(messageOf('plain')).toBe('plain');
    expect(messageOf(null)).toBe('null');
    expect(messageOf(undefined)).toBe('undefined');
    expect(messageOf(42)).toBe('42');
  });
});
