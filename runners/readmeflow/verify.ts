// readmeflow/verify: checks every README of the workspace (each package's,
// and the root's) as a reader would meet it, the hand-written parts too:
//   - every relative link and image resolves to a file or directory
//     (fragments are not checked: anchors are GitHub's slugs, not files);
//   - every code fence is closed;
//   - every `npm run X` names a script of the package (of any package when
//     the command runs across the workspace), and every `npx X` a bin of a
//     workspace package whose file exists, a dependency, or an installed bin.
// It writes params.report (markdown, deterministic: no dates), emits one
// record per README, and fails with the list of problems when there are
// any. Cache policy `never`: links point at files no input glob can know.
import fs from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../src/api.js';
import { commandsIn } from './commands.js';
import type { Command } from './commands.js';
import { compilerDirs, sourceFor } from './entries.js';
import type { CompilerDirs } from './entries.js';
import { manifestFacts } from './manifest.js';
import { isRelativeTarget, scanMarkdown, targetPath } from './markdown.js';
import type { PackageFacts, Problem, VerifyRecord, WriteRecord } from './types.js';
import { compare, posixJoin, readIfExists, readJson, writeAtomic } from './util.js';

type Facts = Omit<PackageFacts, 'entries'>;

interface Readme {
  path: string;
  /** The package it documents (the workspace root for the root README). */
  dir: string;
}

export async function verify(
  ctx: Pick<StageContext, 'params' | 'upstream' | 'workspace' | 'log'>,
): Promise<VerifyRecord[]> {
  const root = posixJoin(String(ctx.params.workspace));
  const readmes: Readme[] = [];
  for await (const record of ctx.upstream('write') as AsyncIterable<WriteRecord>)
    readmes.push({ path: record.readme, dir: record.dir });
  const rootReadme = posixJoin(root, 'README.md');
  if (!readmes.some((r) => r.path === rootReadme) && fs.existsSync(ctx.workspace.resolve(rootReadme)))
    readmes.push({ path: rootReadme, dir: root });
  readmes.sort((a, b) => compare(a.path, b.path));

  const factsOf = new Map<string, Facts>();
  const facts = (dir: string): Facts => {
    let found = factsOf.get(dir);
    if (!found) {
      const manifest = readJson(ctx.workspace.resolve(`${dir}/package.json`), `${dir}/package.json`);
      found = manifest === undefined ? manifestFacts({}, dir) : manifestFacts(manifest, dir);
      factsOf.set(dir, found);
    }
    return found;
  };
  // Read when a bin is looked for through it, once per package.
  const dirsOf = new Map<string, CompilerDirs>();
  const dirs = (dir: string): CompilerDirs => {
    let found = dirsOf.get(dir);
    if (!found) {
      found = compilerDirs(ctx.workspace.resolve(dir), { dir, log: (line) => ctx.log(line) });
      dirsOf.set(dir, found);
    }
    return found;
  };
  const packageDirs = [...new Set(readmes.map((r) => r.dir))];
  const workspaceScripts = new Set(packageDirs.flatMap((dir) => facts(dir).scripts.map((s) => s.name)));
  const workspaceBins = new Map(
    packageDirs.flatMap((dir) => facts(dir).bin.map((b) => [b.name, { dir, path: b.path }] as const)),
  );

  const records: VerifyRecord[] = [];
  for (const readme of readmes) {
    const problems: Problem[] = [];
    const text = readIfExists(ctx.workspace.resolve(readme.path));
    if (text === undefined) {
      records.push({
        readme: readme.path,
        links: 0,
        commands: 0,
        fences: 0,
        problems: [{ file: readme.path, line: 0, message: 'does not exist' }],
      });
      continue;
    }
    const scan = scanMarkdown(text);
    const problem = (line: number, message: string): void => void problems.push({ file: readme.path, line, message });
    for (const fence of scan.unclosedFences) problem(fence.line, `code fence ${fence.fence} is never closed`);
    const links = scan.links.filter((link) => isRelativeTarget(link.target));
    for (const link of links) {
      const target = targetPath(link.target);
      if (target === '') continue;
      const resolved = target.startsWith('/')
        ? posixJoin(target.slice(1))
        : posixJoin(path.posix.dirname(readme.path), target);
      if (!fs.existsSync(ctx.workspace.resolve(resolved)))
        problem(link.line, `${link.isImage ? 'image' : 'link'} ${link.target} does not resolve (${resolved})`);
    }
    const own = facts(readme.dir);
    const isRootReadme = readme.dir === root && packageDirs.length > 1;
    const commands = scan.code.flatMap((code) =>
      commandsIn(code.text).map((command) => ({ command, line: code.line })),
    );
    for (const { command, line } of commands) {
      const message = checkCommand(command, {
        own,
        root,
        isRootReadme,
        workspaceScripts,
        workspaceBins,
        readme,
        ctx,
        facts,
        dirs,
      });
      if (message) problem(line, message);
    }
    problems.sort((a, b) => a.line - b.line);
    records.push({
      readme: readme.path,
      links: links.length,
      commands: commands.length,
      fences: scan.fences,
      problems,
    });
  }

  const all = records.flatMap((r) => r.problems);
  const report = String(ctx.params.report);
  writeAtomic(ctx.workspace.resolve(report), renderReport(root, records));
  ctx.log(
    `${records.length} README${records.length === 1 ? '' : 's'} checked, ${all.length} problem${all.length === 1 ? '' : 's'}; report in ${report}`,
  );
  if (all.length > 0)
    throw new Error(
      `${all.length} problem${all.length === 1 ? '' : 's'} in the READMEs (report: ${report}):\n${all.map(formatProblem).join('\n')}`,
    );
  return records;
}

interface CommandContext {
  own: Facts;
  root: string;
  isRootReadme: boolean;
  workspaceScripts: ReadonlySet<string>;
  workspaceBins: ReadonlyMap<string, { dir: string; path: string }>;
  readme: Readme;
  ctx: Pick<StageContext, 'workspace'>;
  facts(dir: string): Facts;
  dirs(dir: string): CompilerDirs;
}

function checkCommand(command: Command, c: CommandContext): string | undefined {
  if (command.kind === 'script') {
    if (c.own.scripts.some((s) => s.name === command.name)) return undefined;
    if ((command.isWorkspaceWide || c.isRootReadme) && c.workspaceScripts.has(command.name)) return undefined;
    return `\`${command.text}\`: no script "${command.name}" in ${c.readme.dir}/package.json`;
  }
  const bin = c.workspaceBins.get(command.name);
  if (bin) {
    const dir = c.ctx.workspace.resolve(bin.dir);
    const exists = fs.existsSync(path.join(dir, bin.path)) || sourceFor(dir, bin.path, c.dirs(bin.dir)) !== undefined;
    return exists
      ? undefined
      : `\`${command.text}\`: bin ${command.name} of ${bin.dir} points at ${bin.path}, which does not exist`;
  }
  const dependencies = [c.own, c.facts(c.root)].flatMap((f) => f.dependencies.map((d) => d.name));
  if (dependencies.includes(command.name) || isInstalledBin(c.ctx.workspace.resolve(c.readme.dir), command.name))
    return undefined;
  return `\`${command.text}\`: ${command.name} is not a bin of a workspace package, a dependency, or an installed bin`;
}

/** Whether node_modules/.bin/<name> exists in `dir` or above it, where npx looks first. */
function isInstalledBin(dir: string, name: string): boolean {
  for (let current = dir; ; current = path.dirname(current)) {
    if (fs.existsSync(path.join(current, 'node_modules', '.bin', name))) return true;
    if (path.dirname(current) === current) return false;
  }
}

function formatProblem(problem: Problem): string {
  return `${problem.file}${problem.line > 0 ? `:${problem.line}` : ''}: ${problem.message}`;
}

function renderReport(root: string, records: readonly VerifyRecord[]): string {
  const problems = records.flatMap((r) => r.problems);
  const total = (field: 'links' | 'commands' | 'fences'): number => records.reduce((sum, r) => sum + r[field], 0);
  const lines = [
    '# readmeflow verify',
    '',
    `${root}: ${records.length} README${records.length === 1 ? '' : 's'}, ${total('links')} relative links, ${total('commands')} commands, ${total('fences')} code fences; ` +
      `${problems.length === 0 ? 'no problems' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`}.`,
    '',
    '| README | links | commands | fences | problems |',
    '| --- | --- | --- | --- | --- |',
    ...records.map((r) => `| ${r.readme} | ${r.links} | ${r.commands} | ${r.fences} | ${r.problems.length} |`),
  ];
  if (problems.length > 0)
    lines.push('', '## Problems', '', ...problems.map((p) => `- ${formatProblem(p).replace(/\|/g, '\\|')}`));
  return `${lines.join('\n')}\n`;
}
