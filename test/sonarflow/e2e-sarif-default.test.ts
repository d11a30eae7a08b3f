// End to end through the CLI, offline: `runner exec sonarflow` on the SARIF
// default (examples/eslint.sarif) writes one task per bundle and INDEX.md; a
// rerun reuses every cached stage and rewrites nothing; when a rule's issues
// disappear from the report, its tasks stay on disk, listed as resolved.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, outcomes } from '../e2e/rig.js';
import type { Workspace } from '../e2e/rig.js';
import { sonarflowWorkspace } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

interface Sarif {
  runs: { results: { ruleId: string }[] }[];
}

describe('sonarflow on the SARIF default', () => {
  it('writes tasks offline, reruns from cache, and keeps resolved tasks', async () => {
    ws = sonarflowWorkspace();
    const sarif = JSON.parse(fs.readFileSync(path.join(REPO, 'examples/eslint.sarif'), 'utf8')) as Sarif;
    ws.write('examples/eslint.sarif', JSON.stringify(sarif));
    const results = sarif.runs.flatMap((r) => r.results);
    expect(results.length).toBeGreaterThan(0);

    const first = await ws.run(['exec', 'sonarflow', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(outcomes(first.events)).toEqual({
      'plan-pages': 'ran',
      fetch: 'ran',
      group: 'ran',
      plan: 'ran',
      write: 'ran',
    });
    const index = ws.read('tasks/sonarflow/INDEX.md');
    expect(index).toContain(`, ${results.length} issues.`);
    const tasks = fs.readdirSync(ws.path('tasks/sonarflow')).filter((f) => f !== 'INDEX.md');
    expect(index.match(/^\| P\d \| \[/gm)).toHaveLength(tasks.length);
    const rows = tasks.flatMap(
      (f) => ws?.read(`tasks/sonarflow/${f}`).match(/^\| `sarif-[0-9a-f]{20}(-\d+)?` \|/gm) ?? [],
    );
    expect(rows).toHaveLength(results.length);

    const snapshot = new Map(tasks.map((f) => [f, ws?.read(`tasks/sonarflow/${f}`)]));
    const second = await ws.run(['exec', 'sonarflow', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(outcomes(second.events)).toEqual({
      'plan-pages': 'cached',
      fetch: 'cached',
      group: 'cached',
      plan: 'cached',
      write: 'ran',
    });
    for (const [file, text] of snapshot) expect(ws.read(`tasks/sonarflow/${file}`)).toBe(text);

    // Drop every result of one rule: its tasks become resolved, not deleted.
    const gone = results[0]?.ruleId ?? '';
    for (const run of sarif.runs) run.results = run.results.filter((r) => r.ruleId !== gone);
    ws.write('examples/eslint.sarif', JSON.stringify(sarif));
    const third = await ws.run(['exec', 'sonarflow', '--json']);
    expect(third.code, third.stderr).toBe(0);
    const slug = gone
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
    const goneTasks = tasks.filter((f) => f.startsWith(`${slug}--`));
    expect(goneTasks.length).toBeGreaterThan(0);
    const resolvedIndex = ws.read('tasks/sonarflow/INDEX.md');
    for (const file of goneTasks) {
      expect(ws.exists(`tasks/sonarflow/${file}`)).toBe(true);
      expect(resolvedIndex.slice(resolvedIndex.indexOf('## Resolved'))).toContain(`| [${file}](${file}) |`);
    }
  });
});
