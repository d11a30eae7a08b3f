import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      fetch: { shell: "echo fetched" }',
  '      parse: { needs: [fetch], shell: "exit 3" }',
  '      lint: { needs: [fetch], shell: "true" }',
  '      publish: { needs: [parse, lint], shell: "true" }',
  '',
].join('\n');

const DURATION = String.raw`\d+(\.\d+)?(ms|s)`;

describe('runner graph after a run', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  async function ranOnce(): Promise<Workspace> {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const run = await ws.run(['exec', 'p', '--keep-going']);
    expect(run.code).toBe(1);
    return ws;
  }

  it('mermaid: each node labelled and styled with its last outcome and duration', async () => {
    await ranOnce();
    const { stdout, code } = await ws.run(['graph', 'p', '--format', 'mermaid']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines[1]).toMatch(new RegExp(String.raw`^  s_fetch\["fetch<br/>ran ${DURATION}"\]$`));
    expect(lines[2]).toMatch(new RegExp(String.raw`^  s_parse\["parse<br/>failed ${DURATION}"\]$`));
    expect(lines[3]).toMatch(new RegExp(String.raw`^  s_lint\["lint<br/>ran ${DURATION}"\]$`));
    expect(lines[4]).toMatch(/^ {2}s_publish\["publish<br\/>blocked \d+ms"\]$/);
    expect(lines).toContain('  class s_parse failed');
    expect(lines).toContain('  class s_publish blocked');
    expect(lines).toContain('  classDef failed stroke:#c62828,stroke-width:2px');
  });

  it('dot: labels and outcome colours', async () => {
    await ranOnce();
    const { stdout } = await ws.run(['graph', 'p', '--format', 'dot']);
    expect(stdout).toMatch(new RegExp(String.raw`  s_fetch \[label="fetch\\nran ${DURATION}", color="#2e7d32"\];`));
    expect(stdout).toMatch(new RegExp(String.raw`  s_parse \[label="parse\\nfailed ${DURATION}", color="#c62828"\];`));
    expect(stdout).toContain('  s_parse -> s_publish;');
  });

  it('json: outcome and durationMs per node, and the edges', async () => {
    await ranOnce();
    const graph = JSON.parse((await ws.run(['graph', 'p', '--format', 'json'])).stdout) as {
      nodes: { name: string; kind: string; needs: string[]; outcome?: string; durationMs?: number }[];
      edges: { from: string; to: string }[];
    };
    expect(graph.nodes.map((n) => [n.name, n.kind, n.outcome])).toEqual([
      ['fetch', 'shell', 'ran'],
      ['parse', 'shell', 'failed'],
      ['lint', 'shell', 'ran'],
      ['publish', 'shell', 'blocked'],
    ]);
    for (const node of graph.nodes) expect(typeof node.durationMs).toBe('number');
    expect(graph.edges).toEqual([
      { from: 'fetch', to: 'parse' },
      { from: 'fetch', to: 'lint' },
      { from: 'parse', to: 'publish' },
      { from: 'lint', to: 'publish' },
    ]);
  });

  it('shows the outcomes of the latest run: a rerun turns ran into cached', async () => {
    await ranOnce();
    await ws.run(['exec', 'p', '--keep-going']);
    const graph = JSON.parse((await ws.run(['graph', 'p', '--format', 'json'])).stdout) as {
      nodes: { name: string; outcome?: string }[];
    };
    expect(Object.fromEntries(graph.nodes.map((n) => [n.name, n.outcome]))).toEqual({
      fetch: 'cached',
      parse: 'failed',
      lint: 'cached',
      publish: 'blocked',
    });
  });
});
