import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    params: { who: world, times: 2 }',
  '    stages:',
  '      greet:',
  '        shell: "echo hello ${params.who} x${params.times} > out.txt"',
  '',
].join('\n');

describe('--param', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('uses the declared default without --param', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(ws.read('out.txt')).toBe('hello world x2\n');
  });

  it('reaches a shell stage through ${params.k} (long and short form)', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    expect((await ws.run(['exec', 'p', '--param', 'who=there'])).code).toBe(0);
    expect(ws.read('out.txt')).toBe('hello there x2\n');
    expect((await ws.run(['exec', 'p', '-p', 'who=you', '-p', 'times=3'])).code).toBe(0);
    expect(ws.read('out.txt')).toBe('hello you x3\n');
  });

  it('keeps everything after the first = as the value', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    expect((await ws.run(['exec', 'p', '--param', 'who=a=b'])).code).toBe(0);
    expect(ws.read('out.txt')).toBe('hello a=b x2\n');
  });
});
