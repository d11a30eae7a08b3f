import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      fetch: { shell: "true" }',
  '      parse: { needs: [fetch], shell: "true" }',
  '      lint: { needs: [parse], shell: "true" }',
  '      report: { needs: [parse, lint], shell: "true" }',
  '',
].join('\n');

describe('runner graph', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('prints mermaid by default', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['graph', 'p']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'flowchart LR',
        '  s_fetch["fetch"]',
        '  s_parse["parse"]',
        '  s_lint["lint"]',
        '  s_report["report"]',
        '  s_fetch --> s_parse',
        '  s_parse --> s_lint',
        '  s_parse --> s_report',
        '  s_lint --> s_report',
        '',
      ].join('\n'),
    );
    expect((await ws.run(['graph', 'p', '--format', 'mermaid'])).stdout).toBe(result.stdout);
  });

  it('prints dot', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['graph', 'p', '--format', 'dot']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'digraph "p" {',
        '  rankdir=LR;',
        '  node [shape=box, style=rounded];',
        '  s_fetch [label="fetch"];',
        '  s_parse [label="parse"];',
        '  s_lint [label="lint"];',
        '  s_report [label="report"];',
        '  s_fetch -> s_parse;',
        '  s_parse -> s_lint;',
        '  s_parse -> s_report;',
        '  s_lint -> s_report;',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('prints json nodes and edges', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['graph', 'p', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      pipeline: 'p',
      nodes: [
        { name: 'fetch', kind: 'shell', needs: [] },
        { name: 'parse', kind: 'shell', needs: ['fetch'] },
        { name: 'lint', kind: 'shell', needs: ['parse'] },
        { name: 'report', kind: 'shell', needs: ['parse', 'lint'] },
      ],
      edges: [
        { from: 'fetch', to: 'parse' },
        { from: 'parse', to: 'lint' },
        { from: 'parse', to: 'report' },
        { from: 'lint', to: 'report' },
      ],
    });
  });

  it("shows each stage's last outcome after a run", async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      PIPELINE.replace('lint: { needs: [parse], shell: "true" }', 'lint: { needs: [parse], shell: "exit 1" }'),
    );
    expect((await ws.run(['exec', 'p'])).code).toBe(1);
    const graph = JSON.parse((await ws.run(['graph', 'p', '--format', 'json'])).stdout) as {
      nodes: { name: string; outcome?: string }[];
    };
    expect(Object.fromEntries(graph.nodes.map((n) => [n.name, n.outcome]))).toEqual({
      fetch: 'ran',
      parse: 'ran',
      lint: 'failed',
      report: 'blocked',
    });
  });

  it('refuses an unknown format with exit 2', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const result = await ws.run(['graph', 'p', '--format', 'svg']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("argument 'svg' is invalid. Allowed choices are mermaid, dot, json.");
  });

  it('gives stages whose names differ only in punctuation nodes of their own', async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      'version: 1\npipelines:\n  p:\n    stages:\n      a.b: { shell: "true" }\n      a_b: { shell: "true", needs: [a.b] }\n      a-b: { shell: "true", needs: [a_b] }\n',
    );
    const result = await ws.run(['graph', 'p', '--format', 'dot']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  s_a_2eb [label="a.b"];');
    expect(result.stdout).toContain('  s_a_5fb [label="a_b"];');
    expect(result.stdout).toContain('  s_a_2db [label="a-b"];');
    expect(result.stdout).toContain('  s_a_2eb -> s_a_5fb;');
    expect(result.stdout).toContain('  s_a_5fb -> s_a_2db;');
  });
});
