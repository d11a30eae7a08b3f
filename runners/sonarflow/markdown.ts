// The markdown sonarflow writes. Generated text lives between the markers;
// everything outside them belongs to the reader and is kept verbatim. Output
// depends only on the records (no dates, sorted), so a rerun on the same
// issues rewrites nothing.
import { lineEnding } from '../lib/text-file.js';
import { formatMinutes } from './group.js';
import type { PlannedBundle } from './types.js';

export const BEGIN = '<!-- SONARFLOW:BEGIN -->';
export const END = '<!-- SONARFLOW:END -->';
export const INDEX_FILE = 'INDEX.md';

const NOTES =
  '\n## Notes\n\nText outside the SONARFLOW markers is yours: sonarflow keeps it when it rewrites this file.\n';

export function taskRegion(bundle: PlannedBundle): string {
  const { plan } = bundle;
  const lines = [
    BEGIN,
    `# ${bundle.priority} · ${cell(plan.title)}`,
    '',
    '| | |',
    '|---|---|',
    `| bundle | \`${bundle.id}\` |`,
    `| rule | \`${cell(bundle.rule)}\` |`,
    `| path | \`${cell(bundle.prefix)}\` |`,
    `| priority | ${bundle.priority} (top severity ${bundle.topSeverity}) |`,
    `| issues | ${bundle.count} |`,
    ...(bundle.effortMinutes > 0 ? [`| effort | ${formatMinutes(bundle.effortMinutes)} |`] : []),
    ...(bundle.tags.length > 0 ? [`| tags | ${bundle.tags.map((t) => `\`${cell(t)}\``).join(' ')} |`] : []),
    `| planner | ${cell(bundle.planner)} |`,
    '',
    plan.summary.trim(),
    '',
    '## Steps',
    '',
    ...plan.steps.map((step, i) => `${i + 1}. ${step.replace(/\s*\n\s*/g, ' ')}`),
    '',
    '## Acceptance',
    '',
    ...plan.acceptance.map((check) => `- [ ] ${check.replace(/\s*\n\s*/g, ' ')}`),
    '',
    '## Issues',
    '',
    '| key | file:line | message |',
    '|---|---|---|',
    ...bundle.issues.map(
      (i) => `| \`${cell(i.key)}\` | \`${cell(i.file)}${i.line === null ? '' : `:${i.line}`}\` | ${cell(i.message)} |`,
    ),
    END,
  ];
  return lines.join('\n');
}

/** The new text of a file: `region` in place of the old markers' span, or the file started with it. */
export function mergeRegion(existing: string | undefined, region: string, where: string): string {
  if (existing === undefined) return `${region}\n${NOTES}`;
  // The region takes the file's line ends: a CRLF checkout (git's autocrlf) is unchanged by a run that changes nothing.
  const eol = lineEnding(existing);
  const ours = eol === '\n' ? region : region.replace(/\r?\n/g, eol);
  const begin = existing.indexOf(BEGIN);
  const end = existing.indexOf(END, begin + BEGIN.length);
  if (begin === -1 && existing.indexOf(END) === -1) return `${ours}${eol}${eol}${existing}`;
  if (begin === -1 || end === -1 || existing.indexOf(BEGIN, begin + 1) !== -1) {
    throw new Error(
      `${where}: the ${BEGIN} / ${END} markers are not one matching pair; fix them so sonarflow knows which part it owns`,
    );
  }
  return existing.slice(0, begin) + ours + existing.slice(end + END.length);
}

/** The generated title of a task file (its first heading inside the markers). */
export function regionTitle(text: string): string | undefined {
  const begin = text.indexOf(BEGIN);
  if (begin === -1) return undefined;
  const heading = /^# (.+)$/m.exec(text.slice(begin));
  return heading?.[1];
}

export interface ResolvedTask {
  file: string;
  title: string;
}

export function indexRegion(bundles: readonly PlannedBundle[], resolved: readonly ResolvedTask[]): string {
  const issues = bundles.reduce((n, b) => n + b.count, 0);
  const lines = [
    BEGIN,
    '# sonarflow tasks',
    '',
    `${bundles.length} open task${bundles.length === 1 ? '' : 's'}, ${issues} issue${issues === 1 ? '' : 's'}.`,
    '',
    '| priority | task | issues | rule | path |',
    '|---|---|---|---|---|',
    ...bundles.map(
      (b) =>
        `| ${b.priority} | [${cell(b.plan.title)}](${b.id}.md) | ${b.count} | \`${cell(b.rule)}\` | \`${cell(b.prefix)}\` |`,
    ),
  ];
  if (resolved.length > 0) {
    lines.push(
      '',
      '## Resolved',
      '',
      'The issues of these tasks are gone. Their files are kept (with your notes); delete them when you are done with them.',
      '',
      '| task | title |',
      '|---|---|',
      ...resolved.map((r) => `| [${cell(r.file)}](${r.file}) | ${cell(r.title)} |`),
    );
  }
  lines.push(END);
  return lines.join('\n');
}

/** Text safe inside a table cell: no pipes, no line breaks. */
function cell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim();
}
