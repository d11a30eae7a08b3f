// The public stage API: the only module that runners/ may import from src/.
// Everything here is types plus two identity helpers, so importing it costs
// nothing at run time.

/** A record flowing between stages: one JSON object, one line of a JSONL dataset. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonRecord = { [key: string]: JsonValue | undefined };

export interface Workspace {
  /** Absolute directory holding pipelines.yaml; relative paths in YAML resolve against it. */
  readonly root: string;
  /** Absolute path of the runner's state directory (`.runner`). */
  readonly stateDir: string;
  /** A scratch directory private to this stage execution, removed afterwards. */
  readonly tmp: string;
  /** A path as the pipeline names it (workspace-relative, or absolute) as an absolute one. */
  resolve(path: string): string;
}

/** Stage-local memoisation that survives runs (backed by the runner's cache store). */
export interface StageMemo {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
}

export interface StageContext {
  readonly pipeline: string;
  readonly stage: string;
  /** Resolved params: pipeline params, overridden by stage params, overridden by --param. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Files matched by the stage's `inputs`, sorted: workspace-relative, or absolute where the pattern is. */
  readonly inputs: readonly string[];
  /** The stage's declared `outputs` (expanded, workspace-relative). */
  readonly outputs: readonly string[];
  /**
   * The stage's `env` and `passEnv` variables: exactly those in its key. Read
   * variables here, not from process.env, which is the runner's own (shared by
   * every stage in the process, in no stage's key).
   */
  readonly env: Readonly<Record<string, string>>;
  /** Records of a `needs` stage, streamed from its dataset. */
  upstream(stage: string): AsyncIterable<JsonRecord>;
  readonly signal: AbortSignal;
  log(message: string): void;
  progress(done: number, total?: number): void;
  readonly workspace: Workspace;
  readonly memo: StageMemo;
  /**
   * One hash of the code the stage runs: its run module, the local modules
   * it imports (transitively) and the packages it imports (by their
   * package.json), as its key has them. The same while that code is, so a
   * memo kept under another `code` (ctx.memo outlives code changes) can be
   * told apart and dropped.
   */
  readonly code: string;
  /**
   * The content of an item's file, for the items of a map over files
   * (`foreach: { files }`): the very bytes its `hash`, and so its cache
   * key, was taken from; a string in `encoding`. On a first run of a stage
   * whose items run on the main thread (`isolate: inline`) the runner hands
   * over the bytes it read to hash the file, so the file is read once, not
   * twice; anywhere else it reads the file and checks it (by its stat where
   * the run's stat cache vouches for the item's hash, else by its sha256).
   * A file changed since the run hashed it fails its item (run again),
   * where a plain read would give a result its key does not describe.
   */
  read(item: FileItem): Buffer;
  read(item: FileItem, encoding: BufferEncoding): string;
}

/** What a task stage may return. */
export type TaskResult =
  | AsyncIterable<JsonRecord>
  | Iterable<JsonRecord>
  | void
  // biome-ignore lint/suspicious/noConfusingVoidType: a task may return nothing, so its type says so
  | Promise<AsyncIterable<JsonRecord> | Iterable<JsonRecord> | void>;

export type TaskFn = (ctx: StageContext) => TaskResult;

/** One item of a `foreach: { files: glob }` map stage. */
export interface FileItem extends JsonRecord {
  /** Workspace-relative path, or absolute where the `foreach.files` pattern is (`--param root=/abs/dir`). */
  path: string;
  /** Content hash of the file (sha256, hex). */
  hash: string;
}

/** What one item of a map stage produces: a record, several records, or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: an item function may return nothing, so its type says so
export type ItemOutput = JsonRecord | JsonRecord[] | void | null | undefined;

export interface ItemContext extends StageContext {
  /** Position of the item in the stage's input, 0-based. */
  readonly index: number;
}

export type ItemFn<I extends JsonRecord = JsonRecord> = (item: I, ctx: ItemContext) => ItemOutput | Promise<ItemOutput>;

/**
 * The object form of a map stage export. `run` handles one item, `batch` a
 * batch of up to `batchSize` items (one result per item, same order). With
 * `scope: item` caching, `key` names what the cached result depends on
 * (default: the whole item); when it is narrower than the item, `emit`
 * builds the output records from the item and the (possibly cached) result,
 * so two items with one key never share identity. `cacheable(result)`
 * returning false keeps a result out of the item cache (a fallback answer
 * given while a service was down, say), so the next run asks again.
 * `setup()` does a thread's one-time preparation (loading a parser, say):
 * it runs once in every worker thread or process before its first item, and
 * when a run starts a stage with nothing cached, as soon as the pool starts,
 * so it overlaps the runner's own start. It never runs on the main thread
 * unless items run there (`isolate: inline`).
 */
export interface MapDefinition<I extends JsonRecord = JsonRecord, R = ItemOutput> {
  run?: (item: I, ctx: ItemContext) => R | Promise<R>;
  batch?: (items: I[], ctx: StageContext) => R[] | Promise<R[]>;
  key?: (item: I) => string;
  emit?: (item: I, result: R) => ItemOutput;
  cacheable?: (result: R) => boolean;
  setup?: () => unknown;
}

export function defineMap<I extends JsonRecord = JsonRecord, R = ItemOutput>(
  definition: MapDefinition<I, R>,
): MapDefinition<I, R> {
  return definition;
}

export function defineTask(fn: TaskFn): TaskFn {
  return fn;
}
