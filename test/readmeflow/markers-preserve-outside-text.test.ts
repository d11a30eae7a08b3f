// write's rule: readmeflow owns the lines from BEGIN to END, people own the
// rest. Every byte outside the markers survives (trailing spaces, no final
// newline); a README without markers gets the block appended; a missing one
// is created; a block already in place rewrites nothing; broken markers are
// an error, never a guess.
import { describe, expect, it } from 'vitest';
import { BEGIN, END, blockHash, blockText, currentBlock, mergeBlock } from '../../runners/readmeflow/markers.js';

const SECTION = '# @fx/alpha\n\n> Greets people.';

describe('marker rewrite', () => {
  it('replaces only the text between the markers', () => {
    const before = 'Intro by hand.  \n\n';
    const after = '\n\nFooter: no final newline';
    const existing = `${before}${BEGIN}\nstale section\n${END}${after}`;
    const { text, action } = mergeBlock(existing, SECTION);
    expect(action).toBe('updated');
    expect(text.startsWith(before)).toBe(true);
    expect(text.endsWith(after)).toBe(true);
    expect(text.slice(before.length, text.length - after.length)).toBe(`${BEGIN}\n${blockText(SECTION)}\n${END}`);
  });

  it('rewrites nothing when the block is already in place', () => {
    const first = mergeBlock('Intro\n', SECTION).text;
    expect(mergeBlock(first, SECTION)).toEqual({ text: first, action: 'unchanged' });
    expect(currentBlock(first)).toBe(blockHash(blockText(SECTION)));
  });

  it('appends the block to a README without markers, keeping all of it', () => {
    expect(mergeBlock('# gamma\n\nNotes.\n', SECTION)).toEqual({
      text: `# gamma\n\nNotes.\n\n${BEGIN}\n${blockText(SECTION)}\n${END}\n`,
      action: 'appended',
    });
    expect(mergeBlock('no newline', SECTION).text).toBe(`no newline\n\n${BEGIN}\n${blockText(SECTION)}\n${END}\n`);
  });

  it('creates a README that is the block alone', () => {
    expect(mergeBlock(undefined, SECTION)).toEqual({
      text: `${BEGIN}\n${blockText(SECTION)}\n${END}\n`,
      action: 'created',
    });
  });

  it('counts only markers alone on their line', () => {
    const existing = `Use \`${BEGIN}\` and \`${END}\` in your README.\n`;
    expect(mergeBlock(existing, SECTION).action).toBe('appended');
  });

  it('refuses broken markers', () => {
    expect(() => mergeBlock(`${BEGIN}\nno end\n`, SECTION)).toThrow(
      'has 1 <!-- READMEFLOW:BEGIN --> and 0 <!-- READMEFLOW:END --> lines',
    );
    expect(() => mergeBlock(`${END}\n${BEGIN}\n`, SECTION)).toThrow(
      '<!-- READMEFLOW:END --> comes before <!-- READMEFLOW:BEGIN -->',
    );
    expect(() => mergeBlock(`${BEGIN}\n${END}\n${BEGIN}\n${END}\n`, SECTION)).toThrow('has 2');
  });
});
