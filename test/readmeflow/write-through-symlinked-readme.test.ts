// A package README that is a symbolic link (to a document kept elsewhere in
// the repository) is written where the link points: the link stays a link,
// the document gets the block with its own text around it kept, and the
// rerun finds the README current and writes nothing.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../e2e/rig.js';
import { BEGIN, END } from '../../runners/readmeflow/markers.js';
import { readmeflowWorkspace } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

const README = 'examples/workspace/packages/alpha/README.md';
const DOCUMENT = 'examples/workspace/docs/alpha.md';

describe('a symlinked README', () => {
  it('is written through the link, which stays a link', async () => {
    ws = readmeflowWorkspace('workspace');
    const original = ws.read(README);
    fs.mkdirSync(ws.path('examples/workspace/docs'));
    fs.renameSync(ws.path(README), ws.path(DOCUMENT));
    fs.symlinkSync('../../docs/alpha.md', ws.path(README));

    const first = await ws.run(['exec', 'readmeflow']);
    expect(first.code, first.stderr).toBe(0);
    expect(fs.lstatSync(ws.path(README)).isSymbolicLink()).toBe(true);
    const document = ws.read(DOCUMENT);
    expect(document).toContain(BEGIN);
    expect(document).not.toContain('An old generated section.');
    expect(document.startsWith(original.slice(0, original.indexOf(BEGIN)))).toBe(true);
    expect(document.endsWith(original.slice(original.indexOf(END) + END.length))).toBe(true);

    const mtime = fs.statSync(ws.path(DOCUMENT)).mtimeMs;
    const second = await ws.run(['exec', 'readmeflow']);
    expect(second.code, second.stderr).toBe(0);
    expect(fs.lstatSync(ws.path(README)).isSymbolicLink()).toBe(true);
    expect(ws.read(DOCUMENT)).toBe(document);
    expect(fs.statSync(ws.path(DOCUMENT)).mtimeMs).toBe(mtime);
  }, 120_000);
});
