import { describe, expect, it } from 'vitest';
import { plainWords } from '../../src/engine/kinds/shell.js';

describe('plainWords: which shell commands are started without a shell', () => {
  it('splits a program with plain arguments', () => {
    expect(plainWords('sh tools/stage.sh chains/chain_00 1')).toEqual(['sh', 'tools/stage.sh', 'chains/chain_00', '1']);
    expect(plainWords('  node build.js --out=dist/a,b  ')).toEqual(['node', 'build.js', '--out=dist/a,b']);
    expect(plainWords('./run\tfast')).toEqual(['./run', 'fast']);
  });

  it('leaves everything the shell would interpret to the shell', () => {
    for (const command of [
      'echo "a b"',
      "cat 'file'",
      'ls *.txt',
      'cat a > b',
      'a | b',
      'a && b',
      'a; b',
      'echo $HOME',
      'cd ~/x',
      'a\nb',
      'x\\ y',
      'a # comment',
      '(a)',
      'a &',
      '',
      '   ',
    ]) {
      expect(plainWords(command), command).toBeUndefined();
    }
  });

  it('keeps builtins, reserved words and assignments in the shell', () => {
    for (const command of [
      'echo hi',
      'cd dir',
      'exit 3',
      'true',
      'test -f x',
      '[ -f x ]',
      'export A=1',
      'if x',
      'A=1 node x.js',
      'kill 1',
    ]) {
      expect(plainWords(command), command).toBeUndefined();
    }
  });
});
