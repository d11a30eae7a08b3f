// The benchmark's markdown: medians of the rounds, runner next to the
// sequential baseline, per-stage times, and the one-file rerun's item
// counts from the run record.
import type { RunRecord } from '../../src/report/run-record.js';

interface RunnerRun {
  ms: number;
  /** CPU seconds, user + system, of the whole process (every thread). */
  cpu: number;
  record: RunRecord;
}

export interface Round {
  cold: RunnerRun;
  noop: RunnerRun;
  /** Wall times (ms) of no-op runs answered by a daemon started for them. */
  daemonNoop: number[];
  /** One function edited, then edited again (EDITS in run.ts), each a rerun. */
  changes: RunnerRun[];
  /** Wall times (ms) of the same edits rerun with a daemon up (simtask's stages are warm: it runs them itself). */
  daemonChanges: number[];
  /** Wall times (ms) of a bare Node start (`node -e 0`), for reference. */
  bare: number[];
  /** Where NODE_EXTRA_CA_CERTS is set: the no-ops and the bare start again without it. */
  withoutCerts?: { noop: number; daemonNoop: number[]; bare: number[] };
  baseline: {
    ms: number;
    cpu: number;
    inProcessMs: number;
    stages: Record<string, number>;
    peakRssBytes: number;
    functions: number;
    clusters: number;
  };
}

export interface ResultsInput {
  rounds: Round[];
  files: number;
  perFile: number;
  families: number;
  cpus: number;
  /** 1-minute load average when the benchmark ended: other work on the machine slows both sides. */
  load: number;
  node: string;
  command: string;
}

const STAGES = ['scan', 'embed', 'cluster', 'plan', 'write'];

export function renderResults(input: ResultsInput): string {
  const { rounds } = input;
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const mib = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MiB`;
  const cold = median(rounds.map((r) => r.cold.ms));
  const base = median(rounds.map((r) => r.baseline.ms));
  const baseInProcess = median(rounds.map((r) => r.baseline.inProcessMs));
  const noop = median(rounds.map((r) => r.noop.ms));
  const daemonNoop = median(rounds.flatMap((r) => r.daemonNoop));
  const change = median(rounds.flatMap((r) => r.changes.map((c) => c.ms)));
  const daemonChange = median(rounds.flatMap((r) => r.daemonChanges));
  const last = rounds.at(-1) as Round;
  const lastChange = last.changes.at(-1) as RunnerRun;
  const coldCpu = median(rounds.map((r) => r.cold.cpu));
  const baseCpu = median(rounds.map((r) => r.baseline.cpu));
  const stageMs = (record: RunRecord, stage: string): number =>
    record.stages.find((s) => s.stage === stage)?.durationMs ?? 0;
  const lines = [
    '# simtask benchmark',
    '',
    `Generated codebase: ${input.files.toLocaleString('en')} files, ${last.baseline.functions.toLocaleString('en')} functions ` +
      `(${input.families} planted families of near-duplicates), ${last.baseline.clusters} clusters found. ` +
      `${input.cpus} CPUs (load average ${input.load.toFixed(1)} at the end), Node ${input.node}. Wall-clock medians of ${rounds.length} rounds.`,
    '',
    `Command: \`${input.command}\``,
    '',
    '| scenario | runner (`runner exec simtask`) | sequential baseline | baseline / runner |',
    '|---|---:|---:|---:|',
    `| cold (empty cache) | ${seconds(cold)} | ${seconds(base)} | ${(base / cold).toFixed(2)}x |`,
    `| no-op rerun | ${seconds(noop)} | ${seconds(base)} (no cache) | ${(base / noop).toFixed(1)}x |`,
    `| no-op rerun answered by the daemon (outside CI) | ${seconds(daemonNoop)} | ${seconds(base)} (no cache) | ${(base / daemonNoop).toFixed(1)}x |`,
    `| one function edited in one file | ${seconds(change)} | ${seconds(base)} (no cache) | ${(base / change).toFixed(1)}x |`,
    `| one function edited, the daemon up (warm stages: it runs them) | ${seconds(daemonChange)} | ${seconds(base)} (no cache) | ${(base / daemonChange).toFixed(1)}x |`,
    `| a bare Node start (\`node -e 0\`), for reference | ${seconds(median(rounds.flatMap((r) => r.bare)))} | | |`,
    ...(rounds.every((r) => r.withoutCerts)
      ? [
          `| no-op rerun, NODE_EXTRA_CA_CERTS unset | ${seconds(median(rounds.map((r) => r.withoutCerts?.noop ?? 0)))} | ${seconds(base)} (no cache) | |`,
          `| no-op rerun by the daemon, NODE_EXTRA_CA_CERTS unset | ${seconds(median(rounds.flatMap((r) => r.withoutCerts?.daemonNoop ?? [])))} | ${seconds(base)} (no cache) | |`,
          `| a bare Node start, NODE_EXTRA_CA_CERTS unset | ${seconds(median(rounds.flatMap((r) => r.withoutCerts?.bare ?? [])))} | | |`,
        ]
      : []),
    `| CPU time (user + system), cold | ${median(rounds.map((r) => r.cold.cpu)).toFixed(1)} s | ${median(rounds.map((r) => r.baseline.cpu)).toFixed(1)} s | |`,
    `| peak RSS, cold | ${mib(median(rounds.map((r) => r.cold.record.peakRssBytes ?? 0)))} | ${mib(median(rounds.map((r) => r.baseline.peakRssBytes)))} | |`,
    '',
    ...(rounds.every((r) => r.withoutCerts)
      ? [
          'This machine sets NODE_EXTRA_CA_CERTS, which Node 20 reads and parses, with its own root certificates, at every ' +
            'start before any script runs (`node -e 0` about 45 ms longer here): the rows that say so are timed with it unset, ' +
            'as on a machine that does not set it.',
          '',
        ]
      : []),
    'Every runner row is run with CI set, so the CLI does the run itself, except the daemon row: outside CI ' +
      "`runner exec` hands the run to the workspace's daemon (`runner daemon`), a process that keeps the loaded " +
      'cache and its compiled code between runs, and prints its output; the row is the median of three such no-ops a round, ' +
      "after the daemon's start, its warm-up (its rehearsals of the no-op that started it) and its first answer. " +
      'The one-function row is the median of three edits a round, made one ' +
      'after the other to the same function (its parameter renamed anew each time), each rerun in a process of its own.',
    '',
    `The baseline's wall time includes starting Node with tsx (its in-process time is ${seconds(baseInProcess)}); ` +
      "the runner's includes starting the CLI, hashing every input file and starting its worker threads.",
    '',
    `Reading the cold row: with ${input.cpus} cores the runner can at best divide its CPU time by ${input.cpus}, and cold it spends ` +
      `${coldCpu.toFixed(1)} s of CPU against the baseline's ${baseCpu.toFixed(1)} s, so ${(baseCpu / (coldCpu / input.cpus)).toFixed(2)}x is its ceiling here ` +
      `(1.7x needs it to spend at most ${(input.cpus / 1.7).toFixed(2)} times the baseline's CPU, and to keep every core busy). The extra CPU is per-item engine work on the main thread ` +
      '(keying items, JSONL datasets, messages to and from worker threads) and each worker thread loading the TypeScript ' +
      "compiler and warming up its own JIT; cluster, plan and write run on one core in both. How far two worker threads can take scan's " +
      "and embed's work with no runner at all is measured by `bench/simtask/scaling.ts` (its table is in bench/RESULTS.md). " +
      "The runner's gain is the rerun: see the no-op and one-file rows.",
    '',
    '## Cold run, per stage (median ms)',
    '',
    '| stage | runner | baseline |',
    '|---|---:|---:|',
    ...STAGES.map(
      (stage) =>
        `| ${stage} | ${Math.round(median(rounds.map((r) => stageMs(r.cold.record, stage))))} | ${Math.round(median(rounds.map((r) => r.baseline.stages[stage] ?? 0)))} |`,
    ),
    '',
    '## One function edited in one file (the last edit, from its run record)',
    '',
    '| stage | outcome | items | computed | from the item cache |',
    '|---|---|---:|---:|---:|',
    ...STAGES.map((stage) => {
      const summary = lastChange.record.stages.find((s) => s.stage === stage);
      const items = summary?.items;
      // Task stages (cluster, write) have no per-item cache: their items are the records they produced.
      const isMap = stage === 'scan' || stage === 'embed' || stage === 'plan';
      const computed = summary?.outcome === 'cached' ? 0 : isMap ? (items?.done ?? 0) - (items?.cached ?? 0) : 'all';
      return `| ${stage} | ${summary?.outcome ?? ''} | ${items?.total ?? ''} | ${computed} | ${isMap || summary?.outcome === 'cached' ? (items?.cached ?? '') : ''} |`;
    }),
    '',
    `write's own account of that rerun: ${writeLine(lastChange.record) ?? 'write did not run (no plan changed)'}.`,
    '',
    `Rounds (ms, cold / baseline / no-op / daemon no-ops / one-file edits / one-file edits, daemon up): ${rounds.map((r) => [r.cold.ms, r.baseline.ms, r.noop.ms, r.daemonNoop.map(Math.round).join(', '), r.changes.map((c) => Math.round(c.ms)).join(', '), r.daemonChanges.map(Math.round).join(', ')].map((v) => (typeof v === 'number' ? Math.round(v) : v)).join(' / ')).join('; ')}.`,
    '',
  ];
  return lines.join('\n');
}

function writeLine(record: RunRecord): string | undefined {
  const event = record.events.find((e) => e.event === 'stage:log' && e.stage === 'write');
  return event?.event === 'stage:log' ? `\`${event.line}\`` : undefined;
}
