// A long input list is stored beside its manifest in content-defined chunks:
// a rerun after one edited file stores a chunk or two, not the whole list
// again, and the reason of the rerun, `explain` and `cache prune` still find
// every chunk of the list they need.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';
import { MANY_FILES_PARENT } from './many-files.js';

const FILES = 30_000;

function objectBytes(ws: Workspace): number {
  const dir = ws.path('.runner', 'objects');
  return fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
}

const file = (i: number): string => `data/d${String(i % 12).padStart(2, '0')}/f${String(i).padStart(6, '0')}.txt`;

describe('a long input list', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('is stored again only where it changed, and read back whole for the reason, explain and after a prune', async () => {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    ws.write(
      'pipelines.yaml',
      'version: 1\npipelines:\n  p:\n    stages:\n      count:\n        run: count.mjs#count\n        inputs: ["data/**/*.txt"]\n',
    );
    ws.write('count.mjs', 'export function count() { return [{ n: 1 }]; }\n');
    for (let i = 0; i < FILES; i++) ws.write(file(i), `file ${i}\n`);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    // The list's text: a sha256 in hex, a space, the path and a newline per file.
    const listBytes = Array.from({ length: FILES }, (_, i) => 64 + 1 + file(i).length + 1).reduce((a, b) => a + b);
    expect(listBytes).toBeGreaterThan(2_500_000);

    const before = objectBytes(ws);
    ws.write(file(15_000), 'file 15000, edited\n');
    const edited = await ws.run(['exec', 'p', '--json']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(stageEnd(edited.events, 'count')?.reason).toBe(`input changed: ${file(15_000)}`);
    // The chunk holding the edited line (and the index), not the whole list again.
    expect(objectBytes(ws) - before).toBeLessThan(listBytes / 2);

    // Everything unreferenced goes; the live manifest's list and its chunks stay, so the next reason still names the file.
    expect((await ws.run(['cache', 'prune', '--older-than', '0s'])).code).toBe(0);
    ws.write(file(29_999), 'last, edited\n');
    const explained = JSON.parse((await ws.run(['explain', 'p', 'count', '--json'])).stdout) as { changes: unknown[] };
    expect(explained.changes).toEqual([{ kind: 'input', file: file(29_999), change: 'changed' }]);
  });
});
