// `runner report [runId] -o run.html`: the HTML report of a past run, drawn
// from its record in .runner/runs alone. `exec --report FILE` uses the same
// writer after its run.
import fs from 'node:fs';
import path from 'node:path';
import { messageOf } from '../../util/errors.js';
import { renderHtmlReport } from '../../report/html.js';
import { readRunRecord } from '../../report/run-record.js';
import type { RunRecord } from '../../report/run-record.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError, warnOf } from '../io.js';
import { loadAnalysis } from '../load.js';
import type { GlobalOptions } from '../load.js';

export const DEFAULT_REPORT_FILE = 'runner-report.html';

export async function reportCommand(
  io: CliIo,
  global: GlobalOptions,
  runId: string | undefined,
  flags: { output?: string },
): Promise<number> {
  const { plan } = await loadAnalysis(io, global);
  const dir = path.join(plan.root, '.runner', 'runs');
  const record = readRunRecord(dir, { runId: resolveRunId(dir, runId), onBadFile: warnOf(io) });
  if (!record)
    throw new UsageError(
      runId === undefined
        ? `no runs recorded in ${path.relative(io.cwd, dir) || dir} yet`
        : `no run ${runId} in ${path.relative(io.cwd, dir) || dir}`,
    );
  const output = flags.output ?? DEFAULT_REPORT_FILE;
  if (output === '-') {
    io.stdout(renderHtmlReport(record));
    return EXIT.ok;
  }
  const file = writeHtmlReport(record, path.resolve(io.cwd, output));
  io.stdout(`${path.relative(io.cwd, file) || file}\n`);
  return EXIT.ok;
}

/** Writes the report; a file that cannot be written is a usage error naming it (exit 2), not an internal error. */
export function writeHtmlReport(record: RunRecord, file: string): string {
  try {
    writeFileAtomic(file, renderHtmlReport(record));
  } catch (error) {
    throw new UsageError(`cannot write the report to ${file} (${messageOf(error)})`);
  }
  return file;
}

/** A full run id, or a unique prefix of one (`20261130T0319`); undefined: the latest run. */
function resolveRunId(dir: string, runId: string | undefined): string | undefined {
  if (runId === undefined) return undefined;
  let ids: string[];
  try {
    ids = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
  } catch {
    return runId;
  }
  if (ids.includes(runId)) return runId;
  const matches = ids.filter((id) => id.startsWith(runId));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1)
    throw new UsageError(
      `run id ${runId} is ambiguous: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', ...' : ''}`,
    );
  return runId;
}
