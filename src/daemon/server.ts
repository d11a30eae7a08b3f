// The runner daemon: a resident process per workspace that answers runs
// without starting Node and loading the runner each time (about two thirds
// of a no-op on the peers workload); its code is warm. It runs the same
// exec path as the command, with every key computed as usual: each input
// stat'ed, or, in a long list, vouched for by its watch log (watch-log.ts:
// nothing happened to it since a pass the daemon kept). It runs a run whose
// every stage is a shell command, stages that must run included: a command
// starts in a process of its own each time. A run with a task or a map
// stage is served only when every stage is cached: the first stage that
// would run (or be restored) hands the run back, before anything was printed
// or written, and the command runs it in a process of its own, so stage code
// never loads in the daemon (where a module edited since it was first
// imported would stay stale), unless every task and map stage of it is
// `warm` and none of the code it loaded changed (warm-code.ts): that run it
// serves whole. Such a run after an edit the daemon saw
// (prehash.ts) goes back before any key. A command that asks while the
// daemon runs stages, or while the run it serves waits for the workspace,
// runs in a process of its own (#isBusy). It rehearses runs of itself to
// warm up (rehearsals.ts).
//
// Wire protocol over .runner/daemon.sock, one JSON object per line:
//   command -> daemon  { argv, cwd, env, isTty, columns, outColumns, umask, build }, later { signal }
//   daemon -> command  { o: text } stdout, { e: text } stderr, then
//                      { exit: code } or { defer: why } (run it yourself)
// `build` identifies the runner's bundle: a daemon of another build hands
// every run back and exits. The daemon exits after IDLE_MS without a
// request, or when its socket disappears (.runner was deleted).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ParallelHasher } from '../cache/parallel-hasher.js';
import { StatCache } from '../cache/stat-cache.js';
import type { HashHelp } from '../cache/stat-cache.js';
import { findConfig } from '../config/find.js';
import type { RunHost } from '../engine/run-host.js';
import { PreHasher } from './prehash.js';
import { Rehearsals } from './rehearsals.js';
import type { Rehearsal, ServedIo } from './served-io.js';
import { WatchLog } from './watch-log.js';
import { asTheCommand, WarmCode } from './warm-code.js';
import { daemonPaths, readDaemonInfo } from './paths.js';
import type { DaemonInfo } from './paths.js';
import { daemonMayServe } from './serve-rule.js';
import {
  handBack,
  isAnswering,
  isBasisRequest,
  isRanRequest,
  isUmask,
  readRequest,
  socketInode,
  terminalFor,
} from './socket.js';
import type { BasisAnswer, BasisRequest, DaemonFrame, DaemonRequest, RanRequest } from './protocol.js';
import { FIELDS } from '../cache/stat-rows.js';
import { writeFileAtomic } from '../util/fs.js';

export const IDLE_MS = 15 * 60 * 1000;
/** Why a command asked while the daemon is busy with another goes back (run:start's handedBack). */
const BUSY = 'the daemon is running another command';
const CHECK_EVERY_MS = 1000;

/**
 * Serves `root` until idle or stopped. Resolves false at once when another
 * daemon already serves it.
 */
export async function serveWorkspace(options: ServeOptions): Promise<boolean> {
  const { socket } = daemonPaths(options.root);
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  if (await isAnswering(socket)) return false;
  fs.rmSync(socket, { force: true });
  await new DaemonServer(options).serve();
  return true;
}

interface ServeOptions {
  root: string;
  build: string;
  main: (io: ServedIo) => Promise<number>;
  idleMs?: number;
  /** The no-op command the daemon was started after: run again as it starts (rehearsals.ts). */
  rehearse?: Rehearsal;
  /** A rehearsal that took this long is the last (rehearsals.ts; tests set it). */
  longRehearsalMs?: number;
}

class DaemonServer {
  readonly #options: ServeOptions;
  readonly #socket: string;
  readonly #infoFile: string;
  /** What this daemon last wrote to #infoFile (daemon.json). */
  #info: DaemonInfo | undefined;
  readonly #server = net.createServer();
  readonly #hasher = new ParallelHasher();
  /** Stage code it may run itself (`warm`), and what of it it loaded. */
  readonly #warm: WarmCode;
  /** Code it loaded changed: it hands the run back, and stops once it answered (warm-code.ts). */
  #isStale = false;
  /** What the runs it serves keep between them: the stat cache (StatCache.forRun). */
  readonly #kept: NonNullable<HashHelp['kept']> = {};
  // The kept cache tells an edit from a touch; once a command's own run
  // rewrote its file, the file is read again (as the next run would).
  readonly #watchLog: WatchLog;
  readonly #preHasher = new PreHasher(
    this.#hasher,
    () => {
      const { options } = this.#kept;
      if (options && !this.#kept.stats?.isAsSaved()) StatCache.forRun({ ...options, onBadFile: undefined });
      const stats = this.#kept.stats;
      if (!stats?.isAsSaved()) return undefined;
      const prefix = `${stats.root}/`;
      return (absolute) => (absolute.startsWith(prefix) ? stats.heldHash(absolute.slice(prefix.length)) : undefined);
    },
    (dirs) => this.#watchLog.watch(dirs),
  );
  /** PreHasher.edits when the daemon last answered or handed back a run. */
  #editsSeen = 0;
  /**
   * The run served began after a barrier of the watch log: its long lists' stat passes may take what the
   * log vouches for (until a stage of it writes in the workspace: StatCache.endVouching).
   */
  #mayVouch = false;
  readonly #hashHelp: HashHelp = {
    ...this.#preHasher.help(),
    kept: this.#kept,
    changes: () => (this.#mayVouch ? this.#watchLog.changes() : undefined),
  };
  /**
   * The command served runs stages here (RunGrant `all`), or waits for the
   * workspace another runner holds: a command that asks meanwhile, or was
   * queued behind it, runs in a process of its own (and waits for the
   * workspace there, saying so), not queued behind a run that may take minutes.
   */
  #isBusy = false;
  /** Requests queued behind the one served, not yet started: each is answered once. */
  readonly #queued = new Set<net.Socket>();
  /** The request being served: its run is interrupted if the daemon stops. */
  #serving: AbortController | undefined;
  #queue = Promise.resolve();
  #lastRequestAt = Date.now();
  readonly #rehearsals: Rehearsals;
  #isStopping = false;
  #inode: number | undefined;
  #check: NodeJS.Timeout | undefined;

  constructor(options: ServeOptions) {
    this.#options = options;
    const { socket, info } = daemonPaths(options.root);
    this.#socket = socket;
    this.#infoFile = info;
    this.#watchLog = new WatchLog(options.root, path.dirname(socket));
    this.#warm = new WarmCode(options.root);
    this.#rehearsals = new Rehearsals({
      main: options.main,
      hashHelp: this.#hashHelp,
      longMs: options.longRehearsalMs,
      enqueue: (work) => {
        this.#queue = this.#queue.then(work);
      },
      whileServing: (controller, work) => this.#whileServing(controller, work),
      edits: () => this.#preHasher.edits,
      isStopping: () => this.#isStopping,
    });
  }

  async serve(): Promise<void> {
    this.#server.on('connection', (connection) => {
      this.#lastRequestAt = Date.now();
      // Counted as it connects: a rehearsal that never let the event loop poll sees it before its next turn.
      this.#rehearsals.asked();
      readRequest(connection, (request, controller) => {
        if (isRanRequest(request)) {
          connection.end();
          this.#afterRun(request);
          return;
        }
        if (isBasisRequest(request)) {
          void this.#answerBasis(connection, request);
          return;
        }
        if (this.#isBusy) {
          handBack(connection, BUSY);
          return;
        }
        this.#queued.add(connection);
        this.#queue = this.#queue
          .then(() => this.#serveOne(connection, request, controller))
          .then(() => {
            this.#lastRequestAt = Date.now();
          });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#socket, resolve);
    });
    // Only this user's commands may ask it.
    fs.chmodSync(this.#socket, 0o600);
    this.#inode = socketInode(this.#socket);
    const { build } = this.#options;
    const startedAt = new Date().toISOString();
    const { rehearse } = this.#options;
    // Only a command it would answer (not one with --report, say, which runs in a process of its own).
    const isRehearsing = rehearse !== undefined && daemonMayServe(rehearse.argv, rehearse.env);
    this.#info = { pid: process.pid, build, startedAt, ...(isRehearsing ? {} : { readyAt: startedAt }) };
    this.#writeInfo();
    this.#check = setInterval(() => {
      const isGone = socketInode(this.#socket) !== this.#inode;
      const isIdle =
        this.#serving === undefined && Date.now() - this.#lastRequestAt > (this.#options.idleMs ?? IDLE_MS);
      if (isGone || isIdle) this.#stop();
      // Two daemons started at once: the one whose socket was replaced stops, and may take daemon.json with it.
      else if (readDaemonInfo(this.#infoFile)?.pid !== process.pid) this.#writeInfo();
    }, CHECK_EVERY_MS);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => this.#stop());
    if (isRehearsing)
      this.#rehearsals.atStart(rehearse, {
        watch: () => this.#preHasher.watchNow(),
        isWorthOneMore: () => !this.#watchLog.canVouchForItsPasses(),
        ready: () => this.#writeInfo({ readyAt: new Date().toISOString() }),
      });
    await new Promise<void>((resolve) => this.#server.once('close', resolve));
    this.#stop();
  }

  /** Writes daemon.json, with `fields` changed (whole or not at all: a command reading it while it is written must never see half of it). */
  #writeInfo(fields: Partial<DaemonInfo> = {}): void {
    if (!this.#info) return;
    this.#info = { ...this.#info, ...fields };
    try {
      writeFileAtomic(this.#infoFile, JSON.stringify(this.#info));
    } catch {
      // .runner deleted meanwhile: the socket's check stops the daemon.
    }
  }

  /** Stops taking requests; a run being served is interrupted (its command exits as after Ctrl-C), and the hashers close after it. */
  #stop(): void {
    if (this.#isStopping) return;
    this.#isStopping = true;
    clearInterval(this.#check);
    this.#server.close();
    this.#serving?.abort(new Error('interrupted: the daemon is stopping'));
    void this.#queue.then(() => {
      this.#preHasher.close();
      this.#watchLog.close();
      return this.#hasher.close();
    });
    if (socketInode(this.#socket) === this.#inode) fs.rmSync(this.#socket, { force: true });
    if (readDaemonInfo(this.#infoFile)?.pid === process.pid) fs.rmSync(this.#infoFile, { force: true });
  }

  /**
   * A run it handed back is over (RanRequest): it is rehearsed once, unless
   * a command asks first. The daemon vouches for files from a pass kept
   * after its watches began: a run it serves, or a rehearsal (one follows
   * its start's, whose passes came before its watchers). In a loop of edits
   * (edit, run, edit, run) it serves none, every run being handed back, and
   * each stat'ed every file itself: at 100,000 files 0.3 s of the main
   * thread's. The rehearsal finds the run all cached, and keeps its pass.
   */
  #afterRun(request: RanRequest): void {
    const asRequest: DaemonRequest = { ...request, isTty: false, build: request.ran };
    if (this.#isStopping || this.#refusal(asRequest) !== undefined) return;
    const { argv, cwd, env } = request;
    this.#rehearsals.once({ argv, cwd, env }, () => this.#writeInfo({ rehearsedAt: new Date().toISOString() }));
  }

  /** `work` as what the daemon serves (stopping the daemon aborts `controller`), its pre-hasher paused meanwhile. */
  async #whileServing(controller: AbortController, work: () => Promise<unknown>): Promise<void> {
    this.#preHasher.isPaused = true;
    this.#serving = controller;
    try {
      // Every event of a change made before the command asked is in the log before its run looks.
      await this.#watchLog.barrier();
      this.#mayVouch = true;
      await work();
    } finally {
      this.#mayVouch = false;
      this.#serving = undefined;
      this.#preHasher.resume();
    }
  }

  async #serveOne(connection: net.Socket, request: DaemonRequest, controller: AbortController): Promise<void> {
    // Handed back while it was queued (#becomeBusy).
    if (!this.#queued.delete(connection)) return;
    if (this.#isStopping) {
      handBack(connection, 'the daemon is stopping');
      return;
    }
    await this.#whileServing(controller, () => this.#answer(connection, request, controller));
  }

  async #answer(connection: net.Socket, request: DaemonRequest, controller: AbortController): Promise<void> {
    const send = (frame: DaemonFrame): void => {
      if (!connection.destroyed) connection.write(`${JSON.stringify(frame)}\n`);
    };
    const refusal = this.#refusal(request);
    if (refusal) {
      handBack(connection, refusal);
      if (request.build !== this.#options.build) this.#stop();
      return;
    }
    // A file edited since the last run (its new hash is not the one the stat
    // cache holds): a run that may only be all cached here will not be, so it
    // goes back at once (RunGrant `none`), instead of after every input was
    // stat'ed here, only to be stat'ed again by the command. A touch (the
    // same content) is answered as before; an event missed costs the check,
    // never a wrong answer.
    this.#preHasher.flush();
    const isEdited = this.#preHasher.edits !== this.#editsSeen;
    this.#editsSeen = this.#preHasher.edits;
    let handedBack: string | undefined;
    // The commands it runs make their files as they would from the command's shell.
    const umask = isUmask(request.umask) ? process.umask(request.umask) : undefined;
    // Stage code run here sees the command's environment, directory and output (warm-code.ts).
    let asTheDaemon: (() => void) | undefined;
    const asCommand = (): void => {
      asTheDaemon = asTheCommand({
        argv: request.argv,
        cwd: request.cwd,
        env: request.env,
        stdout: (text) => send({ o: text }),
        stderr: (text) => send({ e: text }),
      });
    };
    try {
      const code = await this.#options.main({
        argv: request.argv,
        cwd: request.cwd,
        env: request.env,
        stdout: (text) => send({ o: text }),
        stderr: (text) => send({ e: text }),
        isTty: request.isTty,
        terminal: terminalFor(request, send),
        outColumns: request.outColumns ?? null,
        signal: controller.signal,
        host: this.#hostFor(isEdited, asCommand),
        handBack: (why) => {
          handedBack = this.#isStale
            ? 'the code of a warm stage changed since the daemon loaded it'
            : isEdited
              ? 'an input was edited since the last run'
              : why;
        },
        onWorkspaceWait: () => this.#becomeBusy(),
      });
      send(handedBack === undefined ? { exit: code } : { defer: handedBack });
    } catch (error) {
      send({ e: `runner: internal error (daemon): ${(error as Error)?.stack ?? String(error)}\n` });
      send({ exit: 70 });
    } finally {
      asTheDaemon?.();
      this.#isBusy = false;
      if (umask !== undefined) process.umask(umask);
    }
    connection.end();
    // Its loaded code is stale: a daemon started later loads it afresh.
    if (this.#isStale) this.#stop();
  }

  /**
   * The daemon as one run's host. It runs a run whose every stage is a shell
   * command: a command starts in a process of its own each time, so nothing
   * of it can go stale here. It runs a run whose every task and map stage is
   * `warm` while none of the code it loaded changed (warm-code.ts; `asCommand`
   * then makes the process the command's); code it loaded that changed hands
   * the run back before any key, and the daemon stops. Any other run with a
   * task or a map stage is served only when every stage is cached (the first
   * stage that would run or be restored hands it back): that stage's code
   * would load here once, and a module edited since would stay stale. It
   * lends the run the stat cache it keeps between runs (StatCache.forRun) and
   * the files it hashed as they changed.
   */
  #hostFor(isEdited: boolean, asCommand: () => void): RunHost {
    return {
      name: 'daemon',
      hashHelp: this.#hashHelp,
      grant: (stages) => {
        if (stages.every((stage) => stage.definition.kind === 'shell')) {
          this.#becomeBusy();
          return 'all';
        }
        const verdict = this.#warm.verdict(stages);
        if (verdict === 'warm') {
          this.#becomeBusy();
          asCommand();
          return 'all';
        }
        if (verdict === 'stale') {
          this.#isStale = true;
          return 'none';
        }
        return isEdited ? 'none' : 'cached';
      },
    };
  }

  /**
   * What the watch log vouches for, to a run handed back to its command (BasisRequest): answered at once,
   * not queued behind a run served (which may wait for the workspace that run holds).
   */
  async #answerBasis(connection: net.Socket, request: BasisRequest): Promise<void> {
    const lists = request.basis === this.#options.build && !this.#isStopping ? await this.#watchLog.basis() : [];
    const answer: BasisAnswer = {
      lists: lists.map(({ identity, stats, stale }) => ({ identity, count: stats.length / FIELDS, stale })),
    };
    if (connection.destroyed) return;
    connection.write(`${JSON.stringify(answer)}\n`);
    for (const { stats } of lists) connection.write(Buffer.from(stats.buffer, stats.byteOffset, stats.byteLength));
    connection.end();
  }

  /** The command served will take long (#isBusy): the commands queued behind it go back, to run in processes of their own. */
  #becomeBusy(): void {
    this.#isBusy = true;
    for (const connection of this.#queued) handBack(connection, BUSY);
    this.#queued.clear();
  }

  /** Why the daemon hands a request back unanswered; undefined when it serves it. */
  #refusal(request: DaemonRequest): string | undefined {
    if (request.build !== this.#options.build) return 'the daemon runs another build of runner';
    if (!daemonMayServe(request.argv, request.env)) return 'the daemon serves plain exec runs only';
    // Typed in the workspace or below it: the run finds this workspace's pipelines.yaml.
    const config = findConfig({ cwd: path.resolve(request.cwd) });
    if (config === undefined || path.dirname(config) !== this.#options.root)
      return `the daemon serves ${this.#options.root}`;
    return undefined;
  }
}
