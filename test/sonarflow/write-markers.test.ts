// write: one markdown task per bundle; a rewrite replaces only the text
// between the SONARFLOW markers, the same input writes the same bytes, and a
// task whose bundle is gone stays on disk, listed as resolved in INDEX.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { plannedBundle, runWrite } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('write', () => {
  it('rewrites only the marked region, is deterministic, and lists vanished bundles as resolved', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-write-'));
    dirs.push(root);
    const one = plannedBundle('complexity--src-engine-11111111', ['too complex | really', 'also complex']);
    const two = plannedBundle('eqeqeq--src-cli-22222222', ['use ===']);
    expect((await runWrite(root, [one, two])).map((r) => r.status)).toEqual(['created', 'created']);
    const file = path.join(root, 'tasks', `${one.id}.md`);
    const first = fs.readFileSync(file, 'utf8');
    expect(first).toContain('| `k0` | `src/engine/a.ts:1` | too complex \\| really |');
    expect(first.startsWith('<!-- SONARFLOW:BEGIN -->\n# P3 · Fix 2 complexity issues in src/engine\n')).toBe(true);

    fs.writeFileSync(file, `My preface.\n\n${first}\nMy notes: ask Ann.\n`);
    const edited = fs.readFileSync(file, 'utf8');
    expect((await runWrite(root, [one, two])).map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
    expect(fs.readFileSync(file, 'utf8')).toBe(edited);

    const smaller = plannedBundle(one.id, ['also complex']);
    expect((await runWrite(root, [smaller])).map((r) => [r.id, r.status])).toEqual([
      [one.id, 'updated'],
      [two.id, 'resolved'],
    ]);
    const updated = fs.readFileSync(file, 'utf8');
    expect(
      updated.startsWith('My preface.\n\n<!-- SONARFLOW:BEGIN -->\n# P3 · Fix 1 complexity issue in src/engine\n'),
    ).toBe(true);
    expect(updated).toContain('\nMy notes: ask Ann.\n');
    expect(updated).not.toContain('too complex');
    expect(fs.existsSync(path.join(root, 'tasks', `${two.id}.md`))).toBe(true);
    const index = fs.readFileSync(path.join(root, 'tasks', 'INDEX.md'), 'utf8');
    expect(index).toContain(
      `| P3 | [Fix 1 complexity issue in src/engine](${one.id}.md) | 1 | \`complexity\` | \`src/engine\` |`,
    );
    expect(index).toContain(`## Resolved`);
    expect(index).toContain(`| [${two.id}.md](${two.id}.md) | P3 · Fix 1 complexity issue in src/engine |`);
  });

  it('refuses a file whose markers do not pair up, naming it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sonarflow-write-'));
    dirs.push(root);
    const one = plannedBundle('complexity--src-engine-11111111', ['x']);
    fs.mkdirSync(path.join(root, 'tasks'));
    fs.writeFileSync(path.join(root, 'tasks', `${one.id}.md`), '<!-- SONARFLOW:BEGIN -->\nhalf a region\n');
    await expect(runWrite(root, [one])).rejects.toThrow(
      `tasks/${one.id}.md: the <!-- SONARFLOW:BEGIN --> / <!-- SONARFLOW:END --> markers are not one matching pair`,
    );
  });
});
