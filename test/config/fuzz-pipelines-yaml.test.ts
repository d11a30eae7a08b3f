// A seeded mutator over pipelines.yaml: lines dropped, duplicated, swapped,
// re-indented, truncated, values replaced by hostile tokens. Every mutant
// must be either valid (exit 0) or a diagnostic at file:line:col (exit 2):
// never an internal error, never a stack trace. The CLI runs in-process
// (`runner validate`), so 600 mutants take seconds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { mulberry32 } from '../../runners/lib/random.js';
import { REPO } from '../e2e/rig.js';

const SEEDS = [
  fs.readFileSync(path.join(REPO, 'pipelines.yaml'), 'utf8'),
  `version: 1
defaults: &d
  concurrency: 2
  cache: { ttl: 7d, scope: item }
pipelines:
  p:
    params: { src: src, list: [a, b], n: 3 }
    env: { MODE: "\${MODE:-fast}", TOKEN: { value: x, secret: true } }
    stages:
      a: { shell: "echo \${params.src} > out/a.txt", inputs: ["\${params.src}/**"], outputs: [out/a.txt] }
      b:
        <<: *d
        run: stages/b.ts#b
        foreach: { files: ["\${params.list}"], exclude: ["**/*.tmp"] }
        needs: [a]
        timeout: 30s
        retries: 2
      c: { run: stages/c.mjs#c, foreach: b, isolate: worker, batchSize: 10, params: [n], ordered: false }
`,
];

const TOKENS = [
  '',
  '~',
  'null',
  '-1',
  '0',
  '1e309',
  '99999999999999999999',
  'true',
  '[',
  ']',
  '{',
  '}',
  ':',
  '"',
  "'",
  '- x',
  '&a',
  '*a',
  '*nope',
  '<<: *a',
  '!!binary x',
  '${params.nope}',
  '${',
  '$${x}',
  '30d',
  '0s',
  '999w',
  '../escape',
  '/abs/path',
  'a#b',
  '#',
  '\t',
  'é✓',
  '[[[[[[[[[[',
  '{a: [b, {c: d}]}',
  ': x',
  '? [a]',
  '!!timestamp 2001-12-14',
  '!!set { a }',
  '!!str',
  '*d',
];

function mutate(text: string, random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  let lines = text.split('\n');
  const edits = 1 + Math.floor(random() * 3);
  for (let n = 0; n < edits; n++) {
    const at = Math.floor(random() * lines.length);
    const line = lines[at] ?? '';
    switch (Math.floor(random() * 8)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, line);
        break;
      case 2: {
        const other = Math.floor(random() * lines.length);
        [lines[at], lines[other]] = [lines[other] ?? '', line];
        break;
      }
      case 3:
        lines[at] = random() < 0.5 ? `  ${line}` : line.replace(/^ {1,2}/, '');
        break;
      case 4: {
        // A value replaced: whatever follows the first `: ` on the line.
        const colon = line.indexOf(': ');
        lines[at] = colon === -1 ? `${line} ${pick(TOKENS)}` : `${line.slice(0, colon + 2)}${pick(TOKENS)}`;
        break;
      }
      case 5: {
        const cut = Math.floor(random() * line.length);
        lines[at] = `${line.slice(0, cut)}${pick(TOKENS)}${line.slice(cut)}`;
        break;
      }
      case 6:
        lines = lines.slice(0, at);
        break;
      default:
        lines[at] = line.replace(/[a-z]+/, (word) => (random() < 0.5 ? word.toUpperCase() : `${word}x`));
    }
  }
  return lines.join('\n');
}

const MUTANTS = 600;

describe('pipelines.yaml under a seeded mutator', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-fuzz-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`gives exit 0, or exit 2 with file:line:col, for ${MUTANTS} mutants`, async () => {
    const bad: string[] = [];
    const codes = new Map<number, number>();
    for (let seed = 1; seed <= MUTANTS; seed++) {
      const random = mulberry32(seed);
      const text = mutate(SEEDS[seed % SEEDS.length] ?? '', random);
      fs.writeFileSync(path.join(dir, 'pipelines.yaml'), text);
      let out = '';
      let code: number;
      try {
        code = await main({
          argv: ['validate'],
          cwd: dir,
          env: {},
          stdout: (t) => {
            out += t;
          },
          stderr: (t) => {
            out += t;
          },
          isTty: false,
        });
      } catch (error) {
        code = 70;
        out += String((error as Error)?.stack ?? error);
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
      const isDiagnostic = code === 2 && /pipelines\.yaml:\d+:\d+ /.test(out);
      const hasStack = /internal error|\n\s+at [^\n]+:\d+:\d+/.test(out);
      if ((code !== 0 && !isDiagnostic) || hasStack) bad.push(`seed ${seed}: exit ${code}\n${out.slice(0, 600)}`);
    }
    expect(bad.slice(0, 3).join('\n\n')).toBe('');
    // The mutator must reach both sides: valid files and broken ones.
    expect(codes.get(0) ?? 0).toBeGreaterThan(20);
    expect(codes.get(2) ?? 0).toBeGreaterThan(MUTANTS / 3);
  }, 120_000);
});
