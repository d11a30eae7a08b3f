// The default planner: a consolidation plan filled in from the cluster's
// data alone, so it is deterministic and needs no model. It picks the name
// and signature most members already use, keeps the copy other code can
// already import, and lists every other copy as a place to change.
import path from 'node:path';
import { compare, kebab, mostCommon } from './order.js';
import type { ClusterMember, ClusterRecord, Plan } from './types.js';

type Member = ClusterMember;

export function templatePlan(cluster: ClusterRecord): Plan {
  const { members } = cluster;
  const canonicalName = cluster.name;
  const signatures = members.map((m) => renamed(m.signature, m.name, canonicalName));
  const proposedSignature = mostCommon(signatures);
  const keep = canonicalMember(members, canonicalName);
  const files = [...new Set(members.map((m) => m.file))].sort(compare);
  const canonicalPath = canonicalPathOf(members, keep, canonicalName);
  const others = members.filter((m) => m !== keep);
  const where = (m: Member): string => `\`${m.qualifiedName}\` (${m.file}:${m.startLine})`;
  const { similarity } = cluster;

  const steps: string[] = [];
  if (keep.file === canonicalPath) {
    steps.push(
      `Keep ${where(keep)} as the one implementation${keep.name === canonicalName ? '' : `, renamed to \`${canonicalName}\``}${keep.exported ? '' : ', and export it'}.`,
    );
  } else {
    steps.push(
      `Move the implementation of ${where(keep)} to \`${canonicalPath}\` as \`${canonicalName}\` and export it.`,
    );
  }
  if (new Set(signatures).size > 1) {
    steps.push(
      `Give it the signature \`${proposedSignature}\`; turn what differs between the copies (constants, options) into parameters with the current values as defaults.`,
    );
  }
  for (const member of others) {
    const how = member.className
      ? `make \`${member.qualifiedName}\` delegate to \`${canonicalName}\` (pass the fields it reads from \`this\` as arguments)`
      : `delete \`${member.qualifiedName}\` and call \`${canonicalName}\` instead`;
    const exported = member.exported
      ? `; it is exported, so re-export \`${canonicalName}\` under the old name or update its importers`
      : '';
    steps.push(`In ${member.file}:${member.startLine}, ${how}${exported}.`);
  }
  steps.push('Run the tests and the type checker; remove imports that became unused.');

  const risks: string[] = [];
  const names = [...new Set(members.map((m) => m.name))].sort(compare);
  if (names.length > 1) {
    risks.push(
      `The copies have different names (${names.map((n) => `\`${n}\``).join(', ')}): code of the same shape can still mean different things; check that they are interchangeable, and parameterize what is not.`,
    );
  }
  if (similarity.min < 0.99) {
    risks.push(
      `The copies are not identical (similarity ${similarity.min} to ${similarity.max}): diff them before merging; a differing constant or branch may be deliberate.`,
    );
  }
  if (new Set(signatures).size > 1)
    risks.push(
      `The signatures differ (${[...new Set(signatures)].map((s) => `\`${s}\``).join(', ')}): callers may depend on the differences.`,
    );
  if (members.some((m) => m.className))
    risks.push('Some copies are methods and may use `this`: the shared function must receive that state explicitly.');
  const exportedOthers = others.filter((m) => m.exported);
  if (exportedOthers.length > 0)
    risks.push(
      `${exportedOthers.map(where).join(', ')} ${exportedOthers.length === 1 ? 'is' : 'are'} exported: code outside this repository may import ${exportedOthers.length === 1 ? 'it' : 'them'}.`,
    );
  const languages = new Set(members.map((m) => (/\.(c|m)?jsx?$/.test(m.file) ? 'JavaScript' : 'TypeScript')));
  if (languages.size > 1)
    risks.push('Copies live in both JavaScript and TypeScript files: the canonical one must be importable from both.');

  return {
    title:
      canonicalName === 'constructor'
        ? `Share the setup of ${members.length} near-duplicate constructors`
        : `Consolidate ${members.length} near-duplicate copies of \`${canonicalName}\``,
    summary:
      `${members.length} functions in ${files.length} ${files.length === 1 ? 'file' : 'files'} are near-duplicates ` +
      `(similarity ${similarity.avg} on average, ${similarity.min} at least): ${members.map((m) => `\`${m.qualifiedName}\``).join(', ')}. ` +
      `Keep one implementation of \`${canonicalName}\` in \`${canonicalPath}\` and make the other ${others.length === 1 ? 'copy use it' : `${others.length} copies use it`}.`,
    canonicalName,
    canonicalPath,
    proposedSignature,
    steps,
    risks,
    acceptance: [
      `Exactly one implementation of \`${canonicalName}\` remains, in \`${canonicalPath}\`.`,
      others.length === 1
        ? 'The other copy is gone or delegates to it.'
        : `Each of the ${others.length} other copies is gone or delegates to it.`,
      'The tests and the type checker pass; a test covers the behaviour the copies differed in, if any.',
      `\`runner exec simtask\` no longer reports cluster ${cluster.id}.`,
    ],
  };
}

/** The copy to keep: one others can already import (exported), named like most, earliest by file and line. */
function canonicalMember(members: Member[], name: string): Member {
  const ranked = [...members].sort(
    (a, b) =>
      Number(b.exported) - Number(a.exported) ||
      Number(b.name === name) - Number(a.name === name) ||
      Number(!a.className) - Number(!b.className) ||
      compare(a.file, b.file) ||
      a.startLine - b.startLine,
  );
  return ranked[0] as Member;
}

/** One file holds every copy: there. Otherwise the kept copy's file if it is exported, else a shared module beside them all. */
function canonicalPathOf(members: Member[], keep: Member, name: string): string {
  const files = new Set(members.map((m) => m.file));
  if (files.size === 1 || (keep.exported && !keep.className)) return keep.file;
  const directories = [...files].map((file) => path.posix.dirname(file).split('/'));
  const common: string[] = [];
  for (let i = 0; directories.every((d) => d[i] !== undefined && d[i] === directories[0]?.[i]); i++)
    common.push(directories[0]?.[i] as string);
  const extension = [...files].every((file) => /\.(c|m)?jsx?$/.test(file)) ? '.js' : '.ts';
  return path.posix.join(...common, 'shared', `${kebab(name)}${extension}`);
}

function renamed(signature: string, from: string, to: string): string {
  const at = signature.indexOf(from);
  return at === -1 ? signature : `${signature.slice(0, at)}${to}${signature.slice(at + from.length)}`;
}
