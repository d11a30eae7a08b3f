// Inputs that used to validate and then fail (or crash) later: each is a
// diagnostic at its file:line:col with exit code 2, before anything runs.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const stage = (fields: string): string => `version: 1\npipelines:\n  p:\n    stages:\n      s: { ${fields} }\n`;
const BOMB = [
  'version: 1',
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'pipelines: {}',
  '',
].join('\n');

const CASES: { name: string; yaml: string; diagnostic: string; message: RegExp }[] = [
  {
    name: 'an output above the workspace',
    yaml: stage('shell: "touch ran.txt", outputs: ["../escape.txt"]'),
    diagnostic: 'pipelines.yaml:5:',
    message: /\.\.\/escape\.txt is outside the workspace/,
  },
  {
    name: 'an absolute output',
    yaml: stage('shell: "touch ran.txt", outputs: [/tmp/runner-abs-out.txt]'),
    diagnostic: 'pipelines.yaml:5:',
    message: /\/tmp\/runner-abs-out\.txt is outside the workspace/,
  },
  {
    name: 'a timeout longer than a timer can wait',
    yaml: stage('shell: "touch ran.txt", timeout: 30d'),
    diagnostic: 'pipelines.yaml:5:',
    message: /30d is longer than the longest timeout, 24d/,
  },
  {
    name: 'a zero timeout',
    yaml: stage('shell: "touch ran.txt", timeout: 0s'),
    diagnostic: 'pipelines.yaml:5:',
    message: /must be longer than 0/,
  },
  {
    name: 'a YAML alias bomb',
    yaml: BOMB,
    diagnostic: 'pipelines.yaml:3:',
    message: /aliases expand to too much data/,
  },
  {
    name: 'a key that is a list',
    yaml: 'version: 1\n? [a, b]\n: c\npipelines: {}\n',
    diagnostic: 'pipelines.yaml:2:3',
    message: /has a key that is a list or a mapping: keys are plain names/,
  },
  { name: 'an empty file', yaml: '', diagnostic: 'pipelines.yaml:1:1', message: /must be/ },
  { name: 'a comment-only file', yaml: '# nothing yet\n', diagnostic: 'pipelines.yaml:1:1', message: /must be/ },
];

describe('bad pipelines.yaml', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  for (const c of CASES) {
    it(`reports ${c.name} at its line with exit code 2`, async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', c.yaml);
      const result = await ws.run(['exec', 'p']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(c.diagnostic);
      expect(result.stderr).toMatch(c.message);
      expect(result.stderr).not.toContain('internal error');
      expect(result.stderr).not.toContain('Warning');
      // Nothing ran.
      expect(ws.exists('ran.txt')).toBe(false);
    });
  }
});

describe('a workspace in a bad state', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('says so when .runner/lock is a directory, instead of spinning', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', stage('shell: "true"'));
    ws.write('.runner/lock/inside', '');
    const result = await ws.run(['exec', 'p']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('.runner/lock is a directory');
  });

  it('reports the import that failed, not the stage module, when a module it imports is missing', async () => {
    ws = new Workspace();
    ws.write('stages/badimp.mjs', "import { x } from './nope.mjs';\nexport function s() { return x; }\n");
    ws.write('pipelines.yaml', stage('run: stages/badimp.mjs#s'));
    const result = await ws.run(['exec', 'p']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stages/badimp.mjs failed to load');
    expect(result.stderr).toContain('nope.mjs');
    expect(result.stderr).not.toContain('stages/badimp.mjs does not exist');
  });

  it('removes the temp files of a killed run, keeping those of a live one', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', stage('shell: "true"'));
    const dead = 2 ** 22 + 12345; // above the default pid_max, so no process has it
    ws.write(`.runner/objects/tmp/${dead}-abcdef`, 'half a blob');
    ws.write(`.runner/tmp/p-s-${dead}-k1/scratch.txt`, 'scratch');
    ws.write(`.runner/tmp/p-s-${process.pid}-k2/scratch.txt`, 'a live process');
    const result = await ws.run(['exec', 'p']);
    expect(result.code, result.stderr).toBe(0);
    expect(ws.exists(`.runner/objects/tmp/${dead}-abcdef`)).toBe(false);
    expect(ws.exists(`.runner/tmp/p-s-${dead}-k1`)).toBe(false);
    expect(ws.exists(`.runner/tmp/p-s-${process.pid}-k2/scratch.txt`)).toBe(true);
    // `cache prune` sweeps them too.
    ws.write(`.runner/objects/tmp/${dead}-again`, 'half a blob');
    expect((await ws.run(['cache', 'prune'])).code).toBe(0);
    expect(ws.exists(`.runner/objects/tmp/${dead}-again`)).toBe(false);
  });
});
