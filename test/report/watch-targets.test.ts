import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchTargets } from '../../src/cli/commands/watch.js';
import { parseYaml } from '../../src/config/parse.js';
import { planConfig } from '../../src/config/plan.js';
import { validateConfig } from '../../src/config/validate.js';

const ROOT = path.join(path.sep, 'ws');
const FILE = path.join(ROOT, 'pipelines.yaml');
const YAML = `version: 1
pipelines:
  build:
    stages:
      compile:
        shell: "tsc"
        inputs: ["src/**/*.ts", "!src/**/*.test.ts", tsconfig.json]
        outputs: ["out/**/*.js"]
      bundle:
        needs: [compile]
        run: tools/bundle.ts#bundle
        inputs: ["out/**/*.js"]
      pages:
        run: tools/page.ts#page
        foreach: { files: "docs/*.md", exclude: "docs/draft-*.md" }
  other:
    stages:
      x: { shell: "true", inputs: ["elsewhere/*.txt"] }
`;

function plan() {
  const parsed = parseYaml(FILE, YAML);
  if (!parsed.parsed) throw new Error('bad yaml');
  const validated = validateConfig(FILE, parsed.parsed);
  if (!validated.config) throw new Error(JSON.stringify(validated.diagnostics));
  const planned = planConfig(validated.config, { file: FILE, env: {} });
  if (!planned.plan) throw new Error(JSON.stringify(planned.diagnostics));
  return planned.plan;
}

describe('what --watch watches', () => {
  const targets = watchTargets(plan(), ['build'], ['report.html']);
  const at = (relative: string): string => path.join(ROOT, relative);

  it('watches pipelines.yaml, the base directory of every input glob, plain input files and the run modules', () => {
    expect(targets.paths).toEqual([
      FILE,
      at('src'),
      at('tsconfig.json'),
      at('out'),
      at('docs'),
      at('tools/bundle.ts'),
      at('tools/page.ts'),
    ]);
  });

  it('reruns for inputs, foreach files, run modules and pipelines.yaml', () => {
    for (const file of [
      'src/a.ts',
      'src/deep/b.ts',
      'tsconfig.json',
      'docs/intro.md',
      'tools/bundle.ts',
      'pipelines.yaml',
    ]) {
      expect([file, targets.isRelevant(at(file))]).toEqual([file, true]);
    }
  });

  it('ignores excluded files, outputs (no loop through compile -> bundle), .runner, other pipelines and the report file', () => {
    for (const file of [
      'src/a.test.ts',
      'docs/draft-1.md',
      'out/a.js',
      '.runner/state.json',
      'node_modules/x/index.ts',
      'elsewhere/a.txt',
      'report.html',
      'README.md',
    ]) {
      expect([file, targets.isRelevant(at(file))]).toEqual([file, false]);
    }
  });
});

describe('what --watch watches: absolute patterns', () => {
  const outside = path.join(path.sep, 'data', 'set');
  const yaml = `version: 1
pipelines:
  p:
    stages:
      scan:
        run: tools/scan.ts#scan
        foreach: { files: "${outside}/**/*.txt", exclude: "**/skip/**" }
      local:
        shell: "true"
        inputs: ["in/**/*.txt"]
        outputs: ["${ROOT}/in/made.txt"]
`;
  const parsed = parseYaml(FILE, yaml);
  if (!parsed.parsed) throw new Error('bad yaml');
  const validated = validateConfig(FILE, parsed.parsed);
  if (!validated.config) throw new Error(JSON.stringify(validated.diagnostics));
  const planned = planConfig(validated.config, { file: FILE, env: {} });
  if (!planned.plan) throw new Error(JSON.stringify(planned.diagnostics));
  const targets = watchTargets(planned.plan, ['p']);

  it('watches the base of an absolute pattern outside the workspace', () => {
    expect(targets.paths).toContain(outside);
  });

  it('reruns for a file an absolute pattern matches, outside the workspace or in it', () => {
    expect(targets.isRelevant(path.join(outside, 'a.txt'))).toBe(true);
    expect(targets.isRelevant(path.join(outside, 'deep', 'b.txt'))).toBe(true);
    expect(targets.isRelevant(path.join(ROOT, 'in', 'a.txt'))).toBe(true);
  });

  it('ignores what its exclusions and outputs name in either form, and what no pattern matches', () => {
    expect(targets.isRelevant(path.join(outside, 'skip', 'c.txt'))).toBe(false);
    expect(targets.isRelevant(path.join(ROOT, 'in', 'made.txt'))).toBe(false);
    expect(targets.isRelevant(path.join(outside, 'a.md'))).toBe(false);
    expect(targets.isRelevant(path.join(path.sep, 'elsewhere', 'a.txt'))).toBe(false);
  });
});
