// WarmCode's verdict on a run's stages (src/daemon/warm-code.ts), on real
// files: warm while every stage with code is warm and the code the daemon may
// have loaded is made of the same files; stale once one of them changed, or
// an import of it now resolves to another file; cold with a stage that is
// not warm.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/config/parse.js';
import { planConfig } from '../../src/config/plan.js';
import type { StagePlan } from '../../src/config/types.js';
import { validateConfig } from '../../src/config/validate.js';
import { WarmCode } from '../../src/daemon/warm-code.js';

const YAML = `version: 1
pipelines:
  p:
    stages:
      items:
        run: items.mjs#item
        foreach: { files: ["in/*.txt"] }
        warm: true
      report:
        run: report.mjs#report
        needs: [items]
        warm: true
      cold:
        run: report.mjs#report
      typed:
        run: typed.ts#item
        foreach: items
        warm: true
      copy:
        shell: "cp in/a.txt out.txt"
        warm: true
`;

let dir: string;
let stages: Map<string, StagePlan>;

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

const these = (...names: string[]): StagePlan[] => names.map((name) => stages.get(name) as StagePlan);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-warm-'));
  write(
    'items.mjs',
    "import { shared } from './lib/index.mjs';\nexport const item = (file) => ({ path: file.path, shared });\n",
  );
  write('lib/index.mjs', "export const shared = 'lib/index';\n");
  write(
    'typed.ts',
    "import { shared } from './lib';\nexport const item = (record: object) => ({ ...record, shared });\n",
  );
  write('lib/index.ts', "export const shared = 'lib/index.ts';\n");
  write('report.mjs', 'export const report = () => [{ ok: true }];\n');
  const file = path.join(dir, 'pipelines.yaml');
  write('pipelines.yaml', YAML);
  const parsed = parseYaml(file, YAML);
  const validated = validateConfig(file, parsed.parsed as NonNullable<typeof parsed.parsed>);
  const planned = planConfig(validated.config as NonNullable<typeof validated.config>, { file, env: {} });
  stages = planned.plan?.pipelines.get('p')?.stages as Map<string, StagePlan>;
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('WarmCode', () => {
  it('is warm for warm stages (shell stages beside them too) while their code is as it was', () => {
    const warm = new WarmCode(dir);
    expect(warm.verdict(these('items', 'report', 'copy'))).toBe('warm');
    expect(warm.verdict(these('items', 'report'))).toBe('warm');
  });

  it('is cold with a stage with code that is not warm, or with no stage with code', () => {
    const warm = new WarmCode(dir);
    expect(warm.verdict(these('items', 'cold'))).toBe('cold');
    expect(warm.verdict(these('copy'))).toBe('cold');
  });

  it('is stale once a file of code it may have loaded changed, whichever stages are asked for', () => {
    const warm = new WarmCode(dir);
    expect(warm.verdict(these('items', 'report'))).toBe('warm');
    write('lib/index.mjs', "export const shared = 'edited';\n");
    expect(warm.verdict(these('report'))).toBe('stale');
  });

  it('is stale once an import of code it may have loaded resolves to another file, no file of it edited', () => {
    const warm = new WarmCode(dir);
    expect(warm.verdict(these('items', 'typed'))).toBe('warm');
    // A file no import names changes nothing.
    write('lib/other.ts', "export const shared = 'other';\n");
    expect(warm.verdict(these('items', 'typed'))).toBe('warm');
    // typed.ts's './lib' now names lib.ts, not lib/index.ts.
    write('lib.ts', "export const shared = 'lib.ts';\n");
    expect(warm.verdict(these('items', 'typed'))).toBe('stale');
  });

  it('takes code it never loaded as it is now', () => {
    const warm = new WarmCode(dir);
    expect(warm.verdict(these('report'))).toBe('warm');
    write('items.mjs', 'export const item = (file) => ({ path: file.path });\n');
    expect(warm.verdict(these('items', 'report'))).toBe('warm');
  });
});
