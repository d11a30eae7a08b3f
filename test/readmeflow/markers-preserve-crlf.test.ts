// A README with Windows line ends keeps them: the text outside the markers
// byte for byte, the new block written with CRLF too, and a second write
// changes nothing. An LF block inside a CRLF file (an editor's doing) keeps
// LF, so the file changes only where readmeflow's text changes.
import { describe, expect, it } from 'vitest';
import {
  BEGIN,
  END,
  blockHash,
  blockText,
  currentBlock,
  lineEnding,
  mergeBlock,
} from '../../runners/readmeflow/markers.js';

const SECTION = '# @fx/alpha\n\n## API\n\n```ts\nfunction greet(name: string): string\n```';

describe('marker rewrite in CRLF files', () => {
  it('keeps CRLF outside and writes CRLF inside', () => {
    const before = 'Hand-written intro.  \r\n\r\n';
    const after = '\r\n\r\nFooter.\r\nNo final newline';
    const { text, action } = mergeBlock(`${before}${BEGIN}\r\nold\r\n${END}${after}`, SECTION);
    expect(action).toBe('updated');
    expect(text.startsWith(before) && text.endsWith(after)).toBe(true);
    expect(text.slice(before.length, text.length - after.length)).toBe(
      [BEGIN, ...blockText(SECTION).split('\n'), END].join('\r\n'),
    );
    expect(text.replace(/\r\n/g, '').includes('\n')).toBe(false);
    expect(mergeBlock(text, SECTION)).toEqual({ text, action: 'unchanged' });
    expect(currentBlock(text)).toBe(blockHash(blockText(SECTION)));
  });

  it('appends with CRLF to a CRLF README without markers', () => {
    const { text } = mergeBlock('# alpha\r\n\r\nNotes.\r\n', SECTION);
    expect(text).toBe(
      `# alpha\r\n\r\nNotes.\r\n\r\n${[BEGIN, ...blockText(SECTION).split('\n'), END].join('\r\n')}\r\n`,
    );
  });

  it('keeps an LF block in a CRLF file as LF', () => {
    const existing = `${'Intro line\r\n'.repeat(20)}\r\n${BEGIN}\n${blockText(SECTION)}\n${END}\r\nOutro\r\n`;
    expect(lineEnding(existing)).toBe('\r\n');
    expect(mergeBlock(existing, SECTION)).toEqual({ text: existing, action: 'unchanged' });
  });
});
