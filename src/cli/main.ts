// `runner`: parses arguments with commander and hands each subcommand the
// process's I/O explicitly. No logic of its own.
import { Command, CommanderError, Help, Option } from 'commander';
import { RUNNER_VERSION } from '../version.js';
import { cacheCommand } from './commands/cache.js';
import { daemonCommand } from './commands/daemon.js';
import { execCommand } from './commands/exec.js';
import { explainCommand, statusExplainCommand } from './commands/explain.js';
import { initCommand } from './commands/init.js';
import { graphCommand, listCommand, statusCommand, validateCommand } from './commands/info.js';
import { DEFAULT_REPORT_FILE, reportCommand } from './commands/report.js';
import { workerCommand } from './commands/worker.js';
import type { CliIo } from './io.js';
import { EXIT, UsageError } from './io.js';
import type { GlobalOptions } from './load.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export async function main(io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('runner')
    .description(
      'Declarative DAG pipeline runner: runs pipelines.yaml, skipping every stage whose inputs did not change',
    )
    .version(RUNNER_VERSION, '-V, --version', 'print the version')
    .option('-f, --file <file>', 'the pipelines file (default: pipelines.yaml here or above)')
    .option('-C, --dir <dir>', 'the workspace directory holding pipelines.yaml')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // The command's own terminal, when the daemon answers it: help wraps as in a process of its own
      // (80 columns, commander's width, when it is no terminal).
      ...(io.outColumns === undefined ? {} : { getOutHelpWidth: () => io.outColumns ?? 80 }),
      ...(io.terminal === undefined
        ? {}
        : { getErrHelpWidth: () => (io.terminal?.isTTY ? io.terminal.columns : undefined) ?? 80 }),
    })
    // exec, status, graph and explain take their pipeline (explain its stage too) as an optional
    // argument, so that a command without one is answered with the names there are (load.ts
    // noPipelineNamed), and set their usage to show it as the required argument it is: the list of
    // commands shows that usage for a command with arguments.
    .configureHelp({
      subcommandTerm(cmd) {
        return cmd.registeredArguments.length > 0
          ? `${cmd.name()} ${cmd.usage()}`
          : Help.prototype.subcommandTerm.call(this, cmd);
      },
    });
  const on: On = {
    io,
    global: () => program.opts<GlobalOptions>(),
    set: (code) => {
      exitCode = code;
    },
  };
  program
    .command('init')
    .description('write a starter pipelines.yaml (a map, a task and a shell stage) and its stage module here')
    .option('--force', 'replace an existing pipelines.yaml and stage module')
    .action((flags) => on.set(initCommand(on.io, on.global(), flags)));
  addRunCommands(program, on);
  addWorkerCommand(program, on);
  addInfoCommands(program, on);
  addMaintenanceCommands(program, on);

  try {
    await program.parseAsync(rewriteForce(io.argv), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr(error.isDiagnostic ? `${error.message}\n` : `runner: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  return exitCode;
}

/** What every subcommand's action needs: the process's I/O, the global options, and where to put the exit code. */
interface On {
  io: CliIo;
  global(): GlobalOptions;
  set(code: number): void;
}

/** exec, status, explain: the commands that key stages. */
function addRunCommands(program: Command, on: On): void {
  program
    .command('exec')
    .description('run pipelines, skipping unchanged stages')
    .argument('[pipeline...]', 'pipelines to run')
    .usage('[options] <pipeline...>')
    .option('--only <stages>', 'run only these stages (comma-separated, repeatable)', collect)
    .option('--from <stages>', 'run these stages and everything downstream of them', collect)
    .option('--to <stages>', 'run these stages and everything they need', collect)
    .option('--force', 'run every selected stage even when cached (--force=S: S and its dependents)')
    .addOption(
      new Option('--force-stage <stages>', 'stages to force with their dependents').argParser(collect).hideHelp(),
    )
    .option('-j, --jobs <n>', 'stages running at once (default: CPU count)')
    .option('-p, --param <name=value>', 'override a pipeline param (repeatable)', collect)
    .option('--dry-run', 'print what would run and why, run nothing')
    .option('-k, --keep-going', 'after a failure, finish every branch not downstream of it')
    .option('--json', 'print one JSON event per line on stdout')
    .option('--no-cache', 'neither read nor write the cache: run everything')
    .option('--report <file>', 'after the run, write its HTML report to this file')
    .option('-w, --watch', 'rerun when an input, a run module or pipelines.yaml changes (Ctrl-C stops)')
    .option('--workers <url>', 'map stages with isolate worker|process compute on `runner worker`s of this queue')
    .option('--no-workers', 'compute every map stage here, whatever workers pipelines.yaml or RUNNER_WORKERS names')
    .action(async (pipelines: string[], flags) =>
      on.set(await execCommand(on.io, on.global(), distinct(pipelines), flags)),
    );

  program
    .command('status')
    .description('show which stages would run, and the reason for each')
    .argument('[pipeline...]', 'pipelines to inspect')
    .usage('[options] <pipeline...>')
    .option('--only <stages>', 'only these stages', collect)
    .option('--from <stages>', 'these stages and everything downstream', collect)
    .option('--to <stages>', 'these stages and everything they need', collect)
    .option('-p, --param <name=value>', 'override a pipeline param (repeatable)', collect)
    .option('--force', 'as if every selected stage were forced')
    .option('--json', 'print JSON: per stage, wouldRun and reason')
    .option('--explain', 'for each stage that would run, the full difference between its last key and now')
    .action(async (pipelines: string[], flags) =>
      on.set(
        await (flags.explain
          ? statusExplainCommand(on.io, on.global(), distinct(pipelines), flags)
          : statusCommand(on.io, on.global(), distinct(pipelines), flags)),
      ),
    );

  program
    .command('explain')
    .description('why a stage would run: what changed since its last cached run (inputs, params, env, code, upstream)')
    .argument('[pipeline]', 'the pipeline')
    .argument('[stage]', 'the stage')
    .usage('[options] <pipeline> <stage>')
    .option('-p, --param <name=value>', 'override a pipeline param (repeatable)', collect)
    .option('--json', 'print JSON: wouldRun, reason, why and the list of changes')
    .action(async (pipeline: string | undefined, stage: string | undefined, flags) =>
      on.set(await explainCommand(on.io, on.global(), pipeline, stage, flags)),
    );
}

/** worker: computes the map batches of runs started with --workers. */
function addWorkerCommand(program: Command, on: On): void {
  program
    .command('worker')
    .description("compute map batches that runs started with --workers put on a queue, with this checkout's code")
    .requiredOption('--queue <url>', 'the queue: redis://host:port[/db][?queue=name], as the runs give --workers')
    .option('--concurrency <n>', 'batches computed at once, each in a thread of its own (default: CPU count)')
    .option('-q, --quiet', 'print no line per batch (refusals and failures are still printed)')
    .action(async (flags) => on.set(await workerCommand(on.io, on.global(), flags)));
}

/** report, list, graph, validate. */
function addInfoCommands(program: Command, on: On): void {
  program
    .command('report')
    .description('write the HTML report of a run (default: the latest) from its run record')
    .argument('[runId]', 'a run id from .runner/runs, or a unique prefix of one')
    .option('-o, --output <file>', `the HTML file to write ('-' for stdout)`, DEFAULT_REPORT_FILE)
    .action(async (runId: string | undefined, flags) => on.set(await reportCommand(on.io, on.global(), runId, flags)));

  program
    .command('list')
    .description('list the pipelines and their stages')
    .option('--json', 'print JSON')
    .action(async (flags) => on.set(await listCommand(on.io, on.global(), flags)));

  program
    .command('graph')
    .description("print a pipeline's DAG, with each stage's last outcome")
    .argument('[pipeline]', 'the pipeline')
    .usage('[options] <pipeline>')
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot', 'json']).default('mermaid'))
    .action(async (pipeline: string | undefined, flags) =>
      on.set(await graphCommand(on.io, on.global(), pipeline, flags)),
    );

  program
    .command('validate')
    .description('check pipelines.yaml against the schema and the DAG rules')
    .action(async () => on.set(await validateCommand(on.io, on.global())));
}

/** cache and daemon. */
function addMaintenanceCommands(program: Command, on: On): void {
  const cache = program.command('cache').description('inspect and maintain the cache');
  cache
    .command('stats')
    .description('entries, bytes, and the hit rate of the last run')
    .option('--json', 'print JSON')
    .option('--shared', "the shared store's entries instead of the local ones")
    .action(async (flags) => on.set(await cacheCommand(on.io, on.global(), 'stats', flags)));
  cache
    .command('clear')
    .description("remove this workspace's cache entries and stored objects")
    .option('--shared', 'clear the shared store (redis://, postgres://) too')
    .action(async (flags) => on.set(await cacheCommand(on.io, on.global(), 'clear', flags)));
  cache
    .command('prune')
    .description('remove entries and objects older than a duration')
    .option('--older-than <duration>', 'e.g. 12h, 7d', '7d')
    .option('--shared', 'prune the shared store (redis://, postgres://) too')
    .action(async (flags) => on.set(await cacheCommand(on.io, on.global(), 'prune', flags)));

  const daemon = program
    .command('daemon')
    .description(
      'the resident process that answers no-op runs of this workspace fast, and runs its pipelines of shell stages',
    );
  daemon
    .command('start')
    .description('serve this workspace in the foreground (exec starts one by itself; RUNNER_DAEMON=0 turns that off)')
    .action(async () => on.set(await daemonCommand(on.io, on.global(), 'start', main)));
  daemon
    .command('stop')
    .description("stop this workspace's daemon")
    .action(async () => on.set(await daemonCommand(on.io, on.global(), 'stop', main)));
  daemon
    .command('status')
    .description('say whether a daemon serves this workspace')
    .action(async () => on.set(await daemonCommand(on.io, on.global(), 'status', main)));
}

/** `--force=S` names stages; bare `--force` means all (so `--force simtask` never eats the pipeline name). */
function rewriteForce(argv: string[]): string[] {
  return argv.flatMap((arg) => (arg.startsWith('--force=') ? ['--force-stage', arg.slice('--force='.length)] : [arg]));
}

/** Pipelines named on the command line, each once (`exec p p` runs p once). */
function distinct(pipelines: string[]): string[] {
  return [...new Set(pipelines)];
}
