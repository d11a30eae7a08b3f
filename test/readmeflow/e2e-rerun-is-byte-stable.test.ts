// End to end through the CLI, offline, on a temp copy of the fixture
// workspace at examples/workspace (the default params.workspace): the first
// run creates beta's README, appends a block to gamma's, rewrites alpha's
// block keeping its CRLF text around it, and writes the verify report.
// Reruns change no byte of any file, and once the READMEs have settled
// every stage but the two that always run (packages, verify) is cached.
import { afterEach, describe, expect, it } from 'vitest';
import { BEGIN, END } from '../../runners/readmeflow/markers.js';
import type { Workspace } from '../e2e/rig.js';
import { ends, logLines, readmeflowWorkspace, snapshot } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

describe('readmeflow end to end', () => {
  it('writes the READMEs once, then reruns byte for byte', async () => {
    ws = readmeflowWorkspace('workspace');
    const alphaBefore = ws.read('examples/workspace/packages/alpha/README.md');
    const gammaBefore = ws.read('examples/workspace/packages/gamma/README.md');

    const first = await ws.run(['exec', 'readmeflow', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(logLines(first.events, 'write').sort()).toEqual([
      'examples/workspace/packages/alpha/README.md: updated',
      'examples/workspace/packages/beta/README.md: created',
      'examples/workspace/packages/gamma/README.md: appended',
    ]);
    const alpha = ws.read('examples/workspace/packages/alpha/README.md');
    expect(alpha.startsWith(alphaBefore.slice(0, alphaBefore.indexOf(BEGIN)))).toBe(true);
    expect(alpha.endsWith(alphaBefore.slice(alphaBefore.indexOf(END) + END.length))).toBe(true);
    expect(alpha.replace(/\r\n/g, '').includes('\n')).toBe(false);
    expect(alpha).toContain('function greet(name: string): string\r\n');
    expect(ws.read('examples/workspace/packages/gamma/README.md').startsWith(`${gammaBefore}\n${BEGIN}\n`)).toBe(true);
    expect(ws.read('examples/workspace/packages/beta/README.md')).toContain(
      'Depends on [@fx/alpha](../alpha) `^1.0.0` in this workspace.',
    );
    expect(ws.read('reports/readmeflow-verify.md')).toContain('examples/workspace: 4 READMEs');

    const written = snapshot(ws.path('examples/workspace'));
    const report = ws.read('reports/readmeflow-verify.md');
    for (let run = 2; run <= 3; run++) {
      const again = await ws.run(['exec', 'readmeflow', '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(logLines(again.events, 'write').every((line) => line.endsWith(': unchanged'))).toBe(true);
      expect(snapshot(ws.path('examples/workspace'))).toEqual(written);
      expect(ws.read('reports/readmeflow-verify.md')).toBe(report);
    }
    const settled = ends((await ws.run(['exec', 'readmeflow', '--json'])).events);
    expect(Object.fromEntries(Object.entries(settled).map(([stage, end]) => [stage, end.outcome]))).toEqual({
      packages: 'ran',
      scan: 'cached',
      outline: 'cached',
      write: 'cached',
      verify: 'ran',
    });
    expect(snapshot(ws.path('examples/workspace'))).toEqual(written);
  });
});
