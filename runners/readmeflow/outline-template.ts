// The README section of one package, from its scan record: title and
// tagline, install, usage (bins and imports), scripts, API (one TypeScript
// block per entry point) and the workspace dependency graph (mermaid). Pure
// and deterministic: the same record gives the same bytes, on any machine.
// Prose may come from a model (outline-ollama.ts); every fact comes from here.
import path from 'node:path';
import type { EntryPoint, ExportedSymbol, ScanRecord, SymbolKind } from './types.js';
import { compare, relativeLink } from './util.js';

export interface Prose {
  tagline?: string;
  overview?: string;
}

const VALUE_KINDS: SymbolKind[] = ['function', 'class', 'const', 'let', 'var', 'enum', 'namespace', 're-export'];
const KIND_ORDER: SymbolKind[] = [
  'function',
  'class',
  'const',
  'let',
  'var',
  'enum',
  'namespace',
  'interface',
  'type',
  're-export',
];

export function renderOutline(record: ScanRecord, prose: Prose = {}): string {
  const sections = [
    header(record, prose),
    install(record),
    usage(record),
    scripts(record),
    api(record),
    dependencies(record),
  ];
  return sections.filter((s) => s !== '').join('\n\n');
}

export function templateTagline(record: ScanRecord): string {
  return record.facts.description ?? `The ${record.name} package.`;
}

function header(record: ScanRecord, prose: Prose): string {
  const { facts } = record;
  const badges = [
    facts.version ? `version ${facts.version}` : '',
    facts.license ? `${facts.license} license` : '',
    ...facts.engines.map((e) => `${e.name} ${e.range}`),
    facts.isModule ? 'ES module' : '',
  ].filter((b) => b !== '');
  const lines = [`# ${facts.name || record.name}`, '', `> ${oneLine(prose.tagline ?? templateTagline(record))}`];
  if (badges.length > 0) lines.push('', badges.join(' · '));
  if (prose.overview) lines.push('', prose.overview.trim());
  return lines.join('\n');
}

function install(record: ScanRecord): string {
  const name = record.facts.name || record.name;
  if (record.facts.isPrivate) {
    const range = record.manager === 'npm' ? '*' : 'workspace:*';
    const how = record.isWorkspace
      ? `Other packages of this workspace depend on it with ${code(`"${name}": "${range}"`)} in their package.json; \`${record.manager} install\` at the workspace root links it.`
      : `Install its dependencies with \`${record.manager} install\` in this directory.`;
    return `## Install\n\nThis package is private: it is not published to a registry. ${how}`;
  }
  const command = { npm: 'npm install', pnpm: 'pnpm add', yarn: 'yarn add' }[record.manager];
  return ['## Install', '', '```bash', `${command} ${name}`, '```'].join('\n');
}

function usage(record: ScanRecord): string {
  const { facts } = record;
  const parts: string[] = [];
  if (facts.bin.length > 0) {
    const names = facts.bin.map((b) => code(b.name)).join(', ');
    parts.push(
      `Command${facts.bin.length > 1 ? 's' : ''}: ${names}.`,
      '',
      '```bash',
      ...facts.bin.map((b) => `npx ${b.name}`),
      '```',
    );
  }
  const imports = facts.entries.flatMap((entry) => importLines(record, entry));
  if (imports.length > 0) parts.push(...(parts.length > 0 ? [''] : []), '```ts', ...imports, '```');
  return parts.length > 0 ? ['## Usage', '', ...parts].join('\n') : '';
}

function importLines(record: ScanRecord, entry: EntryPoint): string[] {
  const specifier = path.posix.join(record.facts.name || record.name, entry.subpath);
  const named = (kinds: (kind: SymbolKind) => boolean): string[] =>
    entry.symbols
      .filter((s) => kinds(s.kind) && s.name !== '*' && s.name !== 'default')
      .map((s) => s.name)
      .sort(compare);
  const values = named((k) => VALUE_KINDS.includes(k));
  const types = named((k) => !VALUE_KINDS.includes(k));
  const defaultExport = entry.symbols.find((s) => s.name === 'default');
  const isEsm = record.facts.isModule || /\.[mc]?tsx?$/.test(entry.source ?? '');
  const lines: string[] = [];
  if (!isEsm && values.length > 0) return [`const { ${values.join(', ')} } = require('${specifier}');`];
  if (defaultExport) {
    const declared = /^(?:abstract )?(?:function|class) ([A-Za-z_$][\w$]*)/.exec(defaultExport.signature)?.[1];
    lines.push(`import ${declared ?? identifierFor(specifier)} from '${specifier}';`);
  }
  if (values.length > 0) lines.push(importStatement('import', values, specifier));
  if (types.length > 0) lines.push(importStatement('import type', types, specifier));
  return lines;
}

function importStatement(keyword: string, names: string[], specifier: string): string {
  const oneLineForm = `${keyword} { ${names.join(', ')} } from '${specifier}';`;
  return oneLineForm.length <= 100
    ? oneLineForm
    : `${keyword} {\n${names.map((n) => `  ${n},`).join('\n')}\n} from '${specifier}';`;
}

function scripts(record: ScanRecord): string {
  if (record.facts.scripts.length === 0) return '';
  const run = { npm: 'npm run', pnpm: 'pnpm run', yarn: 'yarn run' }[record.manager];
  const rows = record.facts.scripts.map((s) => `| ${cell(code(`${run} ${s.name}`))} | ${cell(code(s.command))} |`);
  return ['## Scripts', '', '| script | runs |', '| --- | --- |', ...rows].join('\n');
}

function api(record: ScanRecord): string {
  const { entries } = record.facts;
  if (entries.length === 0) return '';
  const blocks = entries.map((entry) => {
    const title = `### ${code(path.posix.join(record.facts.name || record.name, entry.subpath))}`;
    if (entry.source === undefined) return `${title}\n\n_${entry.problem ?? 'No source found.'}_`;
    const from = `From [${code(entry.source)}](${relativeLink('.', entry.source)}).`;
    if (entry.symbols.length === 0) return `${title}\n\n${from} It exports nothing.`;
    const ordered = [...entry.symbols].sort(
      (a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compare(a.name, b.name),
    );
    return [title, '', from, '', '```ts', ...ordered.flatMap(symbolLines), '```'].join('\n');
  });
  return ['## API', '', blocks.join('\n\n')].join('\n');
}

function symbolLines(symbol: ExportedSymbol): string[] {
  const lines = symbol.signature.split('\n');
  if (!symbol.members) return lines;
  const separator = symbol.kind === 'enum' ? ',' : '';
  return [`${symbol.signature} {`, ...symbol.members.map((m) => `  ${m}${m.startsWith('//') ? '' : separator}`), '}'];
}

function dependencies(record: ScanRecord): string {
  const { workspace, facts } = record;
  const parts: string[] = [];
  const link = (ref: { name: string; dir: string }): string => `[${ref.name}](${relativeLink(record.dir, ref.dir)})`;
  const rangeOf = (name: string): string => facts.dependencies.find((d) => d.name === name)?.range ?? '';
  if (workspace.dependencies.length > 0) {
    parts.push(
      `Depends on ${workspace.dependencies.map((d) => `${link(d)} ${code(rangeOf(d.name))}${d.isDev ? ' (dev)' : ''}`).join(', ')} in this workspace.`,
    );
  }
  if (workspace.dependents.length > 0) parts.push(`Used by ${workspace.dependents.map(link).join(', ')}.`);
  if (workspace.graph.edges.length > 0) parts.push(mermaid(record));
  const workspaceNames = new Set(workspace.dependencies.map((d) => d.name));
  const external = facts.dependencies.filter((d) => !workspaceNames.has(d.name));
  if (external.length > 0) {
    const kinds = {
      dependencies: '',
      peerDependencies: 'peer',
      optionalDependencies: 'optional',
      devDependencies: 'dev',
    };
    parts.push(
      [
        '| package | version | kind |',
        '| --- | --- | --- |',
        ...external.map((d) => `| ${cell(code(d.name))} | ${cell(code(d.range))} | ${kinds[d.kind] || 'runtime'} |`),
      ].join('\n'),
    );
  }
  if (parts.length === 0) return '';
  return ['## Dependencies', '', parts.join('\n\n')].join('\n');
}

function mermaid(record: ScanRecord): string {
  const { nodes, edges } = record.workspace.graph;
  const id = new Map(nodes.map((n, i) => [n.name, `n${i}`]));
  const lines = ['```mermaid', 'graph LR'];
  for (const node of nodes) lines.push(`  ${id.get(node.name)}["${node.name.replace(/"/g, '#quot;')}"]`);
  for (const edge of edges) lines.push(`  ${id.get(edge.from)} ${edge.isDev ? '-.->' : '-->'} ${id.get(edge.to)}`);
  lines.push(`  style ${id.get(record.name)} stroke-width:3px`, '```');
  return lines.join('\n');
}

/** A code span that survives backticks in its text. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Table cells cannot hold a raw `|`. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function identifierFor(specifier: string): string {
  const base =
    specifier
      .split('/')
      .filter((p) => p !== '' && p !== '.')
      .at(-1) ?? 'pkg';
  const camel = base
    .replace(/^@/, '')
    .replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase());
  return /^[A-Za-z_$]/.test(camel) ? camel : `_${camel}`;
}
