// A made-up repository for the boardrev benchmarks: deterministic (a
// seeded generator), TypeScript and markdown files of realistic sizes under
// src/ and docs/, and a pipelines.yaml holding the repository's boardrev
// section with runners/, schemas/ and node_modules/ linked in.
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { mulberry32 } from '../../runners/lib/random.js';
import { REPO, write } from '../lib.js';

const WORDS = (
  'account order invoice payment cart item stock price tax discount user session token cache store queue job worker ' +
  'schedule retry timeout limit batch stream record dataset stage pipeline graph node edge config param report event ' +
  'metric trace log error handler request response client server route module plugin adapter parser writer reader'
).split(' ');

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T;
}

function identifier(next: () => number, capital = false): string {
  const parts = [pick(next, WORDS), pick(next, WORDS)];
  const name = parts[0] + (parts[1] ?? '').charAt(0).toUpperCase() + (parts[1] ?? '').slice(1);
  return capital ? name.charAt(0).toUpperCase() + name.slice(1) : name;
}

function typescript(next: () => number, targetBytes: number): string {
  const out: string[] = [
    `// ${identifier(next)}: generated for the boardrev benchmark.`,
    "import { strict as assert } from 'node:assert';",
    '',
  ];
  let size = 0;
  while (size < targetBytes) {
    const name = identifier(next);
    const lines = [`export function ${name}(${identifier(next)}: number, ${identifier(next)}: string): number {`];
    const body = 3 + Math.floor(next() * 12);
    for (let i = 0; i < body; i++)
      lines.push(
        `  const ${identifier(next)}${i} = ${Math.floor(next() * 1000)} + ${identifier(next)}.length; // ${pick(next, WORDS)}`,
      );
    lines.push(`  assert.ok(${name}.length >= 0);`, '  return 0;', '}', '');
    size += lines.join('\n').length;
    out.push(...lines);
  }
  return out.join('\n');
}

function markdown(next: () => number, targetBytes: number): string {
  const out = [`# ${identifier(next, true)}`, ''];
  let size = 0;
  while (size < targetBytes) {
    const paragraph = Array.from({ length: 20 + Math.floor(next() * 40) }, () => pick(next, WORDS)).join(' ');
    const lines = [`## ${identifier(next, true)}`, '', `${paragraph}.`, ''];
    size += lines.join('\n').length;
    out.push(...lines);
  }
  return out.join('\n');
}

/** Writes `count` files under `dir` (src/ and docs/); returns their workspace-relative paths and total size. */
export function generateRepository(dir: string, count: number, seed = 20_240_601): { files: string[]; bytes: number } {
  const next = mulberry32(seed);
  const files: string[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const isDoc = i % 5 === 4;
    const folder = `${isDoc ? 'docs' : 'src'}/${pick(next, WORDS)}/${pick(next, WORDS)}`;
    const file = `${folder}/${identifier(next)}-${i}.${isDoc ? 'md' : 'ts'}`;
    const target = 500 + Math.floor(next() ** 2 * 11_500);
    const text = isDoc ? markdown(next, target) : typescript(next, target);
    write(dir, file, text);
    files.push(file);
    bytes += Buffer.byteLength(text);
  }
  write(dir, 'README.md', markdown(next, 4000));
  for (const link of ['runners', 'schemas', 'node_modules'])
    fs.symlinkSync(path.join(REPO, link), path.join(dir, link), 'dir');
  return { files, bytes };
}

/** `count` task files under examples/board, naming generated identifiers (some of which exist). */
export function generateBoard(dir: string, count: number, seed = 7): void {
  const next = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const items = Array.from(
      { length: 2 + Math.floor(next() * 4) },
      () => `- [${next() < 0.5 ? 'x' : ' '}] \`${identifier(next)}\` handles ${pick(next, WORDS)} ${pick(next, WORDS)}`,
    );
    const status = pick(next, ['todo', 'in-progress', 'review', 'done', 'blocked']);
    const body = [
      `# ${identifier(next, true)} for ${pick(next, WORDS)}`,
      '',
      Array.from({ length: 30 }, () => pick(next, WORDS)).join(' '),
      '',
      ...items,
      '',
    ];
    write(
      dir,
      `examples/board/task-${i}.md`,
      `---\nid: task-${i}\ntitle: Task ${i}\nstatus: ${status}\npriority: P2\n---\n${body.join('\n')}`,
    );
  }
}

/** pipelines.yaml with the repository's defaults and boardrev section, as committed. */
export function boardrevWorkspaceConfig(): string {
  const config = parse(fs.readFileSync(path.join(REPO, 'pipelines.yaml'), 'utf8')) as {
    defaults?: unknown;
    pipelines: { boardrev: unknown };
  };
  return stringify({
    version: 1,
    ...(config.defaults ? { defaults: config.defaults } : {}),
    pipelines: { boardrev: config.pipelines.boardrev },
  });
}
