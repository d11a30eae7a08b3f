// A package in a directory whose name holds a space or parentheses is
// linked to from the READMEs of the packages next to it with a link that
// works: encoded, so markdown (and verify, which reads links as markdown
// does) sees the whole path, and it leads to the package.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../e2e/rig.js';
import { scanMarkdown, targetPath } from '../../runners/readmeflow/markdown.js';
import { readmeflowWorkspace } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

describe('links to a package directory with a space in its name', () => {
  it('are encoded and resolve', async () => {
    ws = readmeflowWorkspace('workspace');
    fs.renameSync(ws.path('examples/workspace/packages/alpha'), ws.path('examples/workspace/packages/alpha (one)'));
    // The workspace README's own (hand-written) link follows the move.
    const root = ws.read('examples/workspace/README.md');
    ws.write('examples/workspace/README.md', root.replace('./packages/alpha/', './packages/alpha%20%28one%29/'));

    const result = await ws.run(['exec', 'readmeflow']);
    expect(result.code, result.stderr).toBe(0);
    const readme = 'examples/workspace/packages/beta/README.md';
    const text = ws.read(readme);
    expect(text).toContain('[@fx/alpha](../alpha%20%28one%29)');
    const targets = scanMarkdown(text)
      .links.map((link) => targetPath(link.target))
      .filter((target) => target.includes('alpha'));
    expect(targets).toContain('../alpha (one)');
    for (const target of targets)
      expect(fs.existsSync(ws.path(path.posix.join(path.posix.dirname(readme), target))), target).toBe(true);
  }, 120_000);
});
