// Markdown for one cluster's task: front matter and the body between the
// markers. A pure function of the plan record: no dates, no random ids, so an
// unchanged cluster renders to the same bytes on every run and machine.
import path from 'node:path';
import { linkDestination } from '../lib/markdown-link.js';
import { kebab } from './order.js';
import type { Rendered } from './task-file.js';
import type { PlanRecord } from './types.js';

/** `sum-prices-c1a2b3c4d5e6.md`: readable, and unique through the cluster id. */
export function taskFileName(record: PlanRecord): string {
  return `${kebab(record.name)}-${record.id}.md`;
}

export function renderTask(record: PlanRecord, outDir: string): Rendered {
  const { plan, members, similarity } = record;
  const files = new Set(members.map((m) => m.file));
  const labels = ['simtask', 'duplicate-code', files.size > 1 ? 'cross-file' : 'same-file'];
  if (members.some((m) => m.className)) labels.push('methods');
  const frontMatter = [
    `id: simtask-${record.id}`,
    `title: ${JSON.stringify(plan.title)}`,
    `cluster: ${record.id}`,
    `size: ${record.size}`,
    `similarity: { max: ${similarity.max}, avg: ${similarity.avg} }`,
    `priority: ${priorityOf(record)}`,
    `labels: [${labels.join(', ')}]`,
  ];
  const rows = members.map((m, i) => {
    const link = linkDestination(path.posix.relative(outDir, m.file));
    const location = `[${cell(m.file).replace(/[[\]]/g, '\\$&')}:${m.startLine}](${link}#L${m.startLine}-L${m.endLine})`;
    return `| ${i + 1} | \`${cell(m.qualifiedName)}\` | ${m.kind} | ${location} | ${m.endLine - m.startLine + 1} | ${m.exported ? 'yes' : 'no'} | \`${cell(m.signature)}\` |`;
  });
  const body = [
    '<!-- Written by `runner exec simtask`: text between these markers is replaced on every run; write your notes outside them. -->',
    `## ${plan.title}`,
    '',
    plan.summary,
    '',
    '| # | Function | Kind | Location | Lines | Exported | Signature |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `**Keep:** \`${plan.canonicalName}\` in \`${plan.canonicalPath}\`  `,
    `**Signature:** \`${plan.proposedSignature}\``,
    '',
    '### Steps',
    '',
    ...plan.steps.map((step, i) => `${i + 1}. ${step}`),
    '',
    '### Risks',
    '',
    ...(plan.risks.length > 0 ? plan.risks.map((risk) => `- ${risk}`) : ['- None found.']),
    '',
    '### Acceptance',
    '',
    ...plan.acceptance.map((item) => `- [ ] ${item}`),
    '',
    `<sub>cluster ${record.id} · similarity min ${similarity.min}, avg ${similarity.avg}, max ${similarity.max} · planner ${record.planner} · embedder ${record.embedder}</sub>`,
  ];
  return { frontMatter, body: `\n${body.join('\n')}\n` };
}

/** Lines that disappear when the copies go: all but the largest copy. */
export function priorityOf(record: Pick<PlanRecord, 'members'>): 'high' | 'medium' | 'low' {
  const lengths = record.members.map((m) => m.endLine - m.startLine + 1);
  const removable = lengths.reduce((sum, n) => sum + n, 0) - Math.max(...lengths);
  if (removable >= 40 || record.members.length >= 5) return 'high';
  return removable >= 12 ? 'medium' : 'low';
}

/** Table cells: a `|` ends the cell even inside a code span. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}
