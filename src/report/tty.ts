// Live progress on a terminal: a cli-progress MultiBar on stderr with a
// header line for the run and one line per running stage (bar, done/total
// items, items/s, ETA, cache hits). A finished stage leaves one summary line
// above the bars; cached stages are only counted in the header, as in the
// plain output. At run:end the bars go and a table of every stage follows.
// Off a terminal, in CI or with NO_COLOR, runs get PlainSink instead.
import type { MultiBar, SingleBar } from 'cli-progress';
import type { RunEvent, StageEndEvent, StageOutcome } from '../engine/events.js';
import { requirePackage } from '../util/require.js';
import { formatMs } from './format.js';
import { PlainSink } from './plain.js';
import type { Sink } from './sink.js';
import { isCi } from '../util/ci.js';
import { renderStageTable, runEndLine, stageRow } from './stage-table.js';
import type { StageRow } from './stage-table.js';

type CliProgress = typeof import('cli-progress');

export interface TtyStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

export interface TtyOptions {
  /** The terminal: process.stderr in the CLI, a fake one in tests. */
  stream: TtyStream;
  /** Milliseconds clock for rates and ETAs (tests pass a fake one). */
  now?: () => number;
  /** Redraws per second. */
  fps?: number;
}

export interface ProgressChoice {
  /** Whether stderr is a terminal. */
  isTty: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

/** Live bars only on a terminal, outside CI, and when NO_COLOR (no-color.org: any non-empty value) is not set. */
export function isLiveTerminal(choice: ProgressChoice): boolean {
  const isNoColor = (choice.env.NO_COLOR ?? '') !== '';
  return choice.isTty && !isCi(choice.env) && !isNoColor;
}

/** CI set to anything but empty, 0 or false. */
/** The human progress of a run, on stderr either way: stdout is for results and --json. */
export function progressSink(options: ProgressChoice & { write(text: string): void; stream: TtyStream }): Sink {
  return isLiveTerminal(options) ? new TtySink({ stream: options.stream }) : new PlainSink({ write: options.write });
}

interface LiveStage {
  id: string;
  startedAt: number;
  done: number;
  total: number | null;
  cached: number;
  bar?: SingleBar;
}

const BAR_SIZE = 24;
/** Room the text around a stage's bar takes (`  40/100 items  12.3/s  ETA 12s  30 hits`), besides its name. */
const STAGE_TEXT = 46;
const SGR = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
};
const MARKS: Record<StageOutcome, string> = {
  ran: `${SGR.green}✓`,
  cached: `${SGR.blue}≡`,
  restored: `${SGR.magenta}↺`,
  failed: `${SGR.red}✗`,
  cancelled: `${SGR.yellow}■`,
  blocked: `${SGR.yellow}⊘`,
};

export class TtySink implements Sink {
  readonly #stream: TtyStream;
  readonly #now: () => number;
  readonly #fps: number;
  #bars: MultiBar | undefined;
  readonly #live = new Map<string, LiveStage>();
  readonly #rows: StageRow[] = [];
  #stageCount = 0;
  #ended = 0;
  #cached = 0;
  #startedAt = 0;
  #nameWidth = 10;

  constructor(options: TtyOptions) {
    this.#stream = options.stream;
    this.#now = options.now ?? Date.now;
    this.#fps = options.fps ?? 10;
  }

  handle(event: RunEvent): void {
    switch (event.event) {
      case 'run:start': {
        this.#stageCount = event.stages.length;
        this.#startedAt = this.#now();
        this.#nameWidth = Math.max(10, ...event.stages.map((s) => `${s.pipeline}/${s.stage}`.length));
        this.#start();
        return;
      }
      case 'stage:start':
        this.#live.set(`${event.pipeline}/${event.stage}`, {
          id: `${event.pipeline}/${event.stage}`,
          startedAt: this.#now(),
          done: 0,
          total: null,
          cached: 0,
        });
        return;
      case 'stage:progress': {
        const live = this.#live.get(`${event.pipeline}/${event.stage}`);
        if (live) Object.assign(live, { done: event.done, total: event.total, cached: event.cached });
        return;
      }
      case 'stage:log':
        this.#log(`${SGR.dim}${event.pipeline}/${event.stage} |${SGR.reset} ${event.line}`);
        return;
      case 'warning':
        this.#log(
          `${SGR.yellow}warning:${SGR.reset} ${event.stage ? `${event.pipeline}/${event.stage}: ` : ''}${event.message}`,
        );
        return;
      case 'stage:end':
        this.#end(event);
        return;
      case 'run:end': {
        this.#stop();
        const [header, ...rows] = renderStageTable(this.#rows);
        const colour = event.status === 'success' ? SGR.green : event.status === 'failed' ? SGR.red : SGR.yellow;
        this.#stream.write(
          `${SGR.bold}${header ?? ''}${SGR.reset}\n${rows.map((r) => `${r}\n`).join('')}${colour}${runEndLine(event)}${SGR.reset}\n`,
        );
        return;
      }
      default:
        return;
    }
  }

  close(): void {
    this.#stop();
  }

  #start(): void {
    const { MultiBar } = requirePackage('cli-progress') as CliProgress;
    const bars = new MultiBar({
      stream: this.#stream,
      fps: this.#fps,
      // Bars are plain text cut to the terminal width; log lines above them wrap.
      linewrap: true,
      clearOnComplete: true,
      hideCursor: false,
      format: (_options, _params, payload: { id?: string }) =>
        payload.id === undefined ? this.#headerLine() : this.#stageLine(payload.id),
    });
    // Stages are shown at the next redraw, so a stage that ends at once (a
    // cache hit) never gets a line of its own.
    bars.on('update-pre', () => {
      for (const live of this.#live.values()) live.bar ??= bars.create(1, 0, { id: live.id });
    });
    bars.create(1, 0, {});
    this.#bars = bars;
  }

  #end(event: StageEndEvent): void {
    const id = `${event.pipeline}/${event.stage}`;
    this.#ended++;
    this.#rows.push(stageRow(event));
    const live = this.#live.get(id);
    this.#live.delete(id);
    if (event.outcome === 'cached') this.#cached++;
    else this.#log(summaryLine(event, this.#nameWidth));
    if (live?.bar) this.#bars?.remove(live.bar);
  }

  /**
   * A permanent line above the bars. cli-progress clears only the first line
   * it prints logs over; the others would keep the tail of a longer bar line
   * drawn there before, so each line erases its own row first (ESC[2K).
   */
  #log(line: string): void {
    this.#bars?.log(`\x1b[2K${line}\n`);
  }

  #stop(): void {
    const bars = this.#bars;
    if (!bars) return;
    this.#bars = undefined;
    bars.update(); // flushes log lines still buffered
    bars.stop();
  }

  /** Bars shrink on a narrow terminal so the numbers after them still fit (lines are cut at its width). */
  #barSize(): number {
    const columns = this.#stream.columns ?? 80;
    return Math.max(8, Math.min(BAR_SIZE, columns - this.#nameWidth - STAGE_TEXT));
  }

  #headerLine(): string {
    const running = this.#live.size;
    const progress = this.#stageCount === 0 ? 1 : this.#ended / this.#stageCount;
    const parts = [`${this.#ended}/${this.#stageCount} stages`, `${running} running`];
    if (this.#cached > 0) parts.push(`${this.#cached} cached`);
    parts.push(formatMs(this.#now() - this.#startedAt));
    return `runner  ${bar(progress, this.#barSize())}  ${parts.join('  ')}`;
  }

  #stageLine(id: string): string {
    const live = this.#live.get(id);
    if (!live) return '';
    const name = `  ${id.padEnd(this.#nameWidth)}  `;
    const elapsedMs = Math.max(1, this.#now() - live.startedAt);
    if (live.total === null || live.total === 0) {
      const items = live.done > 0 ? `${live.done} items  ` : '';
      return `${name}${spinner(elapsedMs, this.#barSize())}  ${items}running ${formatMs(elapsedMs)}`;
    }
    const fresh = live.done - live.cached;
    const perSecond = fresh / (elapsedMs / 1000);
    const left = live.total - live.done;
    const eta = left <= 0 ? '0s' : perSecond > 0 ? seconds(left / perSecond) : '--';
    const hits = live.cached > 0 ? `  ${live.cached} ${live.cached === 1 ? 'hit' : 'hits'}` : '';
    return `${name}${bar(live.done / live.total, this.#barSize())}  ${live.done}/${live.total} items  ${rate(perSecond)}/s  ETA ${eta}${hits}`;
  }
}

export function summaryLine(event: StageEndEvent, nameWidth = 0): string {
  const id = `${event.pipeline}/${event.stage}`.padEnd(nameWidth);
  const { items } = event;
  const parts: string[] = [];
  const timed = event.outcome === 'ran' || event.outcome === 'failed' || event.outcome === 'restored';
  parts.push(timed ? `${event.outcome} in ${formatMs(event.durationMs)}` : event.outcome);
  if (items.total > 0)
    parts.push(
      `${items.total} items, ${items.cached} ${items.cached === 1 ? 'hit' : 'hits'}${items.failed > 0 ? `, ${items.failed} failed` : ''}`,
    );
  parts.push(event.reason);
  return `${MARKS[event.outcome]}${SGR.reset} ${SGR.bold}${id}${SGR.reset}  ${parts.join(' · ')}`;
}

function bar(progress: number, size: number): string {
  const full = Math.round(Math.min(1, Math.max(0, progress)) * size);
  return `${'█'.repeat(full)}${'░'.repeat(size - full)}`;
}

/** A block sliding along the bar for stages that report no item counts. */
function spinner(elapsedMs: number, size: number): string {
  const width = 4;
  const at = Math.floor(elapsedMs / 100) % (size - width + 1);
  return `${'░'.repeat(at)}${'█'.repeat(width)}${'░'.repeat(size - width - at)}`;
}

function rate(perSecond: number): string {
  return perSecond >= 100 ? String(Math.round(perSecond)) : perSecond.toFixed(1);
}

function seconds(value: number): string {
  const s = Math.ceil(value);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
