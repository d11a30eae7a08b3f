// verify checks every README as a reader meets it, hand-written parts too:
// a planted broken link and image, an unclosed code fence, a script that
// does not exist and an unknown bin are each reported with file and line,
// in the report and in the error that fails the stage; links in code,
// URLs, anchors and targets with a fragment or query are left alone.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonRecord } from '../../src/api.js';
import { verify } from '../../runners/readmeflow/verify.js';
import type { Workspace } from '../e2e/rig.js';
import { copyFixture, ends, fakeContext, readmeflowWorkspace, runInProcess, tempDir } from './helpers.js';

let dir: string | undefined;
let ws: Workspace | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  ws?.remove();
  dir = undefined;
  ws = undefined;
});

const PLANTED = [
  '',
  'See [the guide](./docs/guide.md) and ![the logo](images/logo.png "Logo").',
  'Fine: [alpha](../alpha/README.md#api), [home](https://example.com/x.md), [top](#gamma), <img src="../beta/bin/beta.js?raw=1">.',
  '`[not a link](./nowhere.md)` and `npm run deploy`.',
  '',
  '```bash',
  'npx beta && npx not-a-bin',
  '[in code](./nowhere-either.md)',
].join('\n');

describe('verify', () => {
  it('passes a workspace whose READMEs are sound, then reports every planted problem', async () => {
    dir = tempDir();
    copyFixture('workspace', path.join(dir, 'ws'));
    const run = await runInProcess(dir, 'ws');
    const upstream = { write: run.writes as unknown as JsonRecord[] };
    const params = { workspace: 'ws', report: 'reports/verify.md' };
    const clean = await verify(fakeContext({ root: dir, params, upstream }));
    expect(clean.map((r) => [r.readme, r.problems.length])).toEqual([
      ['ws/README.md', 0],
      ['ws/packages/alpha/README.md', 0],
      ['ws/packages/beta/README.md', 0],
      ['ws/packages/gamma/README.md', 0],
    ]);
    expect(clean.find((r) => r.readme === 'ws/README.md')).toMatchObject({ links: 3, commands: 1, fences: 1 });

    fs.appendFileSync(path.join(dir, 'ws/packages/gamma/README.md'), PLANTED);
    const lines = fs.readFileSync(path.join(dir, 'ws/packages/gamma/README.md'), 'utf8').split('\n');
    const at = (needle: string): number => lines.findIndex((l) => l.includes(needle)) + 1;
    const expected = [
      `ws/packages/gamma/README.md:${at('the guide')}: link ./docs/guide.md does not resolve (ws/packages/gamma/docs/guide.md)`,
      `ws/packages/gamma/README.md:${at('the guide')}: image images/logo.png does not resolve (ws/packages/gamma/images/logo.png)`,
      `ws/packages/gamma/README.md:${at('```bash')}: code fence \`\`\` is never closed`,
      `ws/packages/gamma/README.md:${at('npm run deploy')}: \`npm run deploy\`: no script "deploy" in ws/packages/gamma/package.json`,
      `ws/packages/gamma/README.md:${at('not-a-bin')}: \`npx not-a-bin\`: not-a-bin is not a bin of a workspace package, a dependency, or an installed bin`,
    ];
    const failing = verify(fakeContext({ root: dir, params, upstream }));
    await expect(failing).rejects.toThrow(
      `5 problems in the READMEs (report: reports/verify.md):\n${[...expected].sort(byLine).join('\n')}`,
    );
    const report = fs.readFileSync(path.join(dir, 'reports/verify.md'), 'utf8');
    expect(report).toContain('| ws/packages/gamma/README.md | 6 | 3 | 4 | 5 |');
    for (const problem of expected) expect(report).toContain(`- ${problem}`);
  });

  it('fails the stage through the CLI, naming the broken link', async () => {
    ws = readmeflowWorkspace('workspace');
    ws.write('examples/workspace/packages/alpha/docs/notes.md', 'A note that the README links to.\n');
    fs.appendFileSync(
      ws.path('examples/workspace/README.md'),
      '\nMore in [the notes](./packages/alpha/docs/notes.md) and [the FAQ](./FAQ.md).\n',
    );
    const result = await ws.run(['exec', 'readmeflow', '--json']);
    expect(result.code).toBe(1);
    const verifyEnd = ends(result.events).verify;
    expect(verifyEnd?.outcome).toBe('failed');
    expect(verifyEnd?.reason).toContain(
      'examples/workspace/README.md:11: link ./FAQ.md does not resolve (examples/workspace/FAQ.md)',
    );
    expect(verifyEnd?.reason).not.toContain('notes.md');
    expect(ws.read('reports/readmeflow-verify.md')).toContain('1 problem.');
  });
});

function byLine(a: string, b: string): number {
  const line = (s: string): number => Number(/:(\d+):/.exec(s)?.[1]);
  return line(a) - line(b);
}
