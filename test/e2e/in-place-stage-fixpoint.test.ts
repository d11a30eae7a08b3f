// A stage that edits its own inputs (`cache: { inPlace: true }`) is recorded
// under the key of its files as it left them: the next run over an unchanged
// workspace is cached, an edited file runs it again, and a file brought back
// to a text the stage once edited (a revert) is edited again rather than
// served from the cache.
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

// A "formatter": upper-cases every src/*.txt, in place.
const FORMAT = 'for f in src/*.txt; do tr a-z A-Z < "$f" > "$f.tmp" && mv "$f.tmp" "$f"; done\n';

// A map over files that adds a header line to each file that lacks one, in place.
const HEADER = `import fs from 'node:fs';
export function header(item, ctx) {
  const file = ctx.workspace.resolve(item.path);
  const text = fs.readFileSync(file, 'utf8');
  if (!text.startsWith('# ')) fs.writeFileSync(file, '# ' + item.path + '\\n' + text);
  return { path: item.path, lines: fs.readFileSync(file, 'utf8').split('\\n').length - 1 };
}
`;

describe('an in-place stage', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('a shell stage: cached once its files are as it left them, run again for an edit or a revert', async () => {
    ws = new Workspace();
    ws.write('fmt.sh', FORMAT);
    ws.write('src/a.txt', 'alpha\n');
    ws.write('src/b.txt', 'beta\n');
    ws.write(
      'pipelines.yaml',
      [
        'version: 1',
        'pipelines:',
        '  p:',
        '    stages:',
        '      fmt: { shell: sh fmt.sh, inputs: ["src/*.txt"], cache: { inPlace: true } }',
        '      count: { shell: "cat src/*.txt | wc -l > count.txt", needs: [fmt], inputs: ["src/*.txt"] }',
        '',
      ].join('\n'),
    );
    const first = await ws.run(['exec', 'p', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(ws.read('src/a.txt')).toBe('ALPHA\n');

    const second = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(second.events)).toEqual({ fmt: 'cached', count: 'cached' });
    // It ran under the key of the files as they were, and is recorded under the key of the files as it left them.
    expect(stageEnd(second.events, 'fmt').key).toBe(stageEnd(first.events, 'fmt').key);
    const started = first.events.find((e) => e.event === 'stage:start' && e.stage === 'fmt');
    const startKey = started && 'key' in started ? started.key : 'none';
    expect(startKey).toHaveLength(64);
    expect(startKey).not.toBe(stageEnd(first.events, 'fmt').key);
    const status = await ws.run(['status', 'p']);
    expect(status.stdout).toMatch(/p\/fmt\s+cached\s+unchanged/);

    ws.write('src/b.txt', 'beta, edited\n');
    const edited = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(edited.events, 'fmt').outcome).toBe('ran');
    expect(ws.read('src/b.txt')).toBe('BETA, EDITED\n');

    // The text of the first run, before it was formatted: that key was never recorded.
    ws.write('src/a.txt', 'alpha\n');
    ws.write('src/b.txt', 'beta\n');
    const reverted = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(reverted.events, 'fmt').outcome).toBe('ran');
    expect([ws.read('src/a.txt'), ws.read('src/b.txt')]).toEqual(['ALPHA\n', 'BETA\n']);
    // Formatted as after the first run: the key of these files is the first run's.
    expect(stageEnd(reverted.events, 'fmt').key).toBe(stageEnd(first.events, 'fmt').key);
    expect(stageEnd(reverted.events, 'count').outcome).toBe('cached');
  });

  it.each(['inline', 'worker'])(
    'a map over files with an item cache (isolate %s): each item keyed by its file as the stage left it',
    async (isolate) => {
      ws = new Workspace();
      ws.write('m.mjs', HEADER);
      for (const name of ['a', 'b', 'c']) ws.write(`docs/${name}.md`, `${name} text\n`);
      ws.write(
        'pipelines.yaml',
        [
          'version: 1',
          'pipelines:',
          '  p:',
          '    stages:',
          '      header:',
          '        run: m.mjs#header',
          '        foreach: { files: "docs/*.md" }',
          `        isolate: ${isolate}`,
          '        batchSize: 2',
          '        cache: { inPlace: true, scope: item }',
          '',
        ].join('\n'),
      );
      const first = await ws.run(['exec', 'p', '--json']);
      expect(first.code, first.stderr).toBe(0);
      expect(ws.read('docs/a.md')).toBe('# docs/a.md\na text\n');
      expect(stageEnd((await ws.run(['exec', 'p', '--json'])).events, 'header').outcome).toBe('cached');

      // One new file: only it is computed; the edited ones are found under their keys as left.
      ws.write('docs/d.md', 'd text\n');
      const added = await ws.run(['exec', 'p', '--json']);
      expect(stageEnd(added.events, 'header').items).toEqual({ total: 4, done: 4, cached: 3, failed: 0 });
      expect(stageEnd((await ws.run(['exec', 'p', '--json'])).events, 'header').outcome).toBe('cached');

      // a.md back to its text before the first run: computed (and edited) again, not served from the cache.
      ws.write('docs/a.md', 'a text\n');
      const reverted = await ws.run(['exec', 'p', '--json']);
      expect(stageEnd(reverted.events, 'header').items).toEqual({ total: 4, done: 4, cached: 3, failed: 0 });
      expect(ws.read('docs/a.md')).toBe('# docs/a.md\na text\n');
      expect(stageEnd((await ws.run(['exec', 'p', '--json'])).events, 'header').outcome).toBe('cached');
    },
  );
});
