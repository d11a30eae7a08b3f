import os from 'node:os';
import path from 'node:path';
import type { Analysis } from '../../engine/analyse.js';
import { runMap } from '../../engine/map/run-map.js';
import { executeRun } from '../../engine/run.js';
import { stageStatuses } from '../../engine/status.js';
import type { Selection } from '../../graph/dag.js';
import type { SharedAccess } from '../../cache/tiered-store.js';
import type { WorkersAddress } from '../../engine/map/remote-protocol.js';
import { progressSink } from '../../report/tty.js';
import { newRunId, RunRecordSink } from '../../report/run-record.js';
import { CompositeSink, JsonSink } from '../../report/sink.js';
import type { Sink } from '../../report/sink.js';
import { renderStatusTable } from '../../report/status.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError, warnOf } from '../io.js';
import {
  loadAnalysis,
  noPipelineNamed,
  lockForCommand,
  parseList,
  parseParams,
  requireStages,
  selectionFrom,
  sharedAccessFor,
  storeUrlFor,
  workersFor,
} from '../load.js';
import type { GlobalOptions } from '../load.js';
import { writeHtmlReport } from './report.js';
import { buildOf, handedBackWhy, startDaemonIfWanted } from './daemon.js';
import { askBasis, tellRan } from '../../daemon/basis-client.js';
import { watchCommand } from './watch.js';
import { runCycleInChild, runnerBin } from './watch-cycle.js';

export interface ExecFlags {
  only?: string[];
  from?: string[];
  to?: string[];
  force?: boolean;
  forceStage?: string[];
  jobs?: string;
  param?: string[];
  dryRun?: boolean;
  keepGoing?: boolean;
  json?: boolean;
  cache?: boolean;
  /** Write the HTML report of the run to this file. */
  report?: string;
  watch?: boolean;
  /** Remote workers' queue (redis://...); false: --no-workers. */
  workers?: string | false;
}

export async function execCommand(
  io: CliIo,
  global: GlobalOptions,
  pipelines: string[],
  flags: ExecFlags,
): Promise<number> {
  if (pipelines.length === 0) return noPipelineNamed(io, global, 'exec');
  if (flags.watch && flags.dryRun) throw new UsageError('--watch and --dry-run cannot be used together');
  if (flags.watch) {
    const ignore = flags.report === undefined ? [] : [path.resolve(io.cwd, flags.report)];
    const bin = runnerBin();
    const runOnce = bin ? () => runCycleInChild(io, bin) : () => execOnce(io, global, pipelines, flags);
    return watchCommand(io, global, pipelines, { runOnce, ignore, paramOverrides: parseParams(flags.param) });
  }
  return execOnce(io, global, pipelines, flags);
}

async function execOnce(io: CliIo, global: GlobalOptions, pipelines: string[], flags: ExecFlags): Promise<number> {
  const jobs = flags.jobs === undefined ? os.availableParallelism() : Number(flags.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs ${flags.jobs}: expected an integer >= 1`);
  const analysis = await loadAnalysis(io, global, { paramOverrides: parseParams(flags.param), pipelines });
  const selection = selectionFrom(analysis, pipelines, flags);
  const forceStages = parseList(flags.forceStage);
  requireStages(analysis, pipelines, forceStages, '--force');
  const force = flags.force === true ? true : forceStages.length > 0 ? forceStages : false;
  const isNoCache = flags.cache === false;
  const storeUrl = storeUrlFor(analysis, io.env);
  const workers = workersFor(analysis, io.env, flags.workers);

  if (flags.dryRun) {
    const statuses = await stageStatuses({
      plan: analysis.plan,
      graphs: analysis.graphs,
      pipelines,
      selection,
      force,
      isNoCache,
      storeUrl,
      emit: (event) => {
        if (event.event === 'warning') warnOf(io)(event.message);
      },
      shared: sharedAccessFor(analysis, io.env),
    });
    if (flags.json) io.stdout(`${JSON.stringify({ dryRun: true, stages: statuses })}\n`);
    else io.stdout(renderStatusTable(statuses));
    return EXIT.ok;
  }

  let release: () => void;
  try {
    release = await lockForCommand(io, path.join(analysis.plan.root, '.runner'), 'runner exec');
  } catch (error) {
    if (io.signal?.aborted) return EXIT.interrupted;
    throw error;
  }
  try {
    return await runLocked(io, analysis, pipelines, flags, {
      jobs,
      selection,
      force,
      isNoCache,
      storeUrl,
      shared: sharedAccessFor(analysis, io.env),
      workers,
    });
  } finally {
    release();
  }
}

/** What the command line chose for the run. */
interface RunChoices {
  jobs: number;
  selection: Selection;
  force: true | string[] | false;
  isNoCache: boolean;
  storeUrl: string;
  shared: SharedAccess;
  workers: WorkersAddress | undefined;
}

async function runLocked(
  io: CliIo,
  analysis: Analysis,
  pipelines: string[],
  flags: ExecFlags,
  options: RunChoices,
): Promise<number> {
  const { jobs, selection, force, isNoCache, storeUrl, shared, workers } = options;
  const runId = newRunId();
  // io.isTty describes process.stderr, so the live bars draw on it.
  const sinks: Sink[] = [
    progressSink({ isTty: io.isTty, env: io.env, write: io.stderr, stream: io.terminal ?? process.stderr }),
  ];
  if (flags.json) sinks.push(new JsonSink(io.stdout));
  const record = new RunRecordSink({
    dir: path.join(analysis.plan.root, '.runner', 'runs'),
    argv: io.argv,
    onNotSaved: (problem) =>
      warnOf(io)(`could not save the run record (${problem}); \`runner report\` shows the last run that was saved`),
  });
  // --no-cache writes no run record, but --report still needs one in memory.
  // A rehearsal (RunHost) is no run of the user's: `runner report` never shows it.
  if (!isNoCache && io.host?.isRehearsal !== true) sinks.push(record);
  else if (flags.report !== undefined) sinks.push({ handle: (event) => record.handle(event) });
  // The daemon holds every event back until it knows it runs the whole run (onWhole), or that the run is all cached.
  const events = new CompositeSink(sinks, { isHeld: io.host !== undefined });
  // Handed back by the daemon: what its watchers vouch for spares this run stat'ing every file.
  const handedBack = io.host === undefined ? handedBackWhy() : undefined;
  const changes = handedBack !== undefined && !isNoCache ? await askBasis(analysis.plan.root, buildOf()) : undefined;
  const summary = await executeRun({
    plan: analysis.plan,
    graphs: analysis.graphs,
    pipelines,
    selection,
    jobs,
    isKeepGoing: flags.keepGoing === true,
    force,
    isNoCache,
    storeUrl,
    shared,
    baseEnv: io.env,
    runId,
    emit: events.emit,
    signal: io.signal,
    runMap,
    host: io.host ?? (changes && { grant: () => 'all', hashHelp: { changes: () => changes } }),
    onWhole: () => events.release(),
    handedBack,
    workers,
  });
  if (summary.status === 'handed-back') {
    // Nothing was printed or written: the events were held, and are dropped.
    io.handBack?.('a stage must run');
    return EXIT.failed;
  }
  events.release();
  await events.close();
  // The daemon keeps a pass it can vouch for from a run it serves: it rehearses this one (server.ts).
  if (handedBack !== undefined && !isNoCache && summary.status === 'success')
    await tellRan(analysis.plan.root, { ran: buildOf(), argv: io.argv, cwd: io.cwd, env: io.env });
  // After a no-op in a process of its own: the next one will be a no-op too,
  // most likely. (After a run that ran stages the daemon's start would only
  // take CPU from whatever comes next.)
  const isNoOp =
    summary.status === 'success' &&
    summary.counts.cached === Object.values(summary.counts).reduce((sum, n) => sum + n, 0);
  if (io.host === undefined && isNoOp) startDaemonIfWanted(io, analysis.plan.root);
  if (flags.report !== undefined && record.record) {
    const file = writeHtmlReport(record.record, path.resolve(io.cwd, flags.report));
    io.stderr(`report: ${path.relative(io.cwd, file) || file}\n`);
  }
  return summary.status === 'success' ? EXIT.ok : summary.status === 'cancelled' ? EXIT.interrupted : EXIT.failed;
}
