// The records that flow between the readmeflow stages (schemas/readmeflow-records.json):
//   packages -> scan -> outline -> write -> verify
// Every path in a record is workspace-relative (relative to the directory of
// pipelines.yaml) and POSIX, so records and cache keys are the same on every
// machine and in every checkout location. Type aliases, not interfaces, so
// they are assignable to JsonRecord (which has an index signature).

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

export type PackageRef = {
  name: string;
  dir: string;
};

export type WorkspaceEdge = {
  /** Package name that depends on `to`. */
  from: string;
  to: string;
  /** Only through devDependencies. */
  isDev: boolean;
};

export type WorkspaceLinks = {
  /** Direct workspace dependencies of the package. */
  dependencies: (PackageRef & { isDev: boolean })[];
  /** Workspace packages that depend on it directly. */
  dependents: PackageRef[];
  /** The package, its transitive workspace dependencies and its direct dependents, with the edges among them. */
  graph: { nodes: PackageRef[]; edges: WorkspaceEdge[] };
};

/** What `write` needs to know about a README before writing it. */
export type ReadmeRef = {
  path: string;
  /** blockHash of the text between its markers, when it has one well-formed block (markers.ts). */
  block?: string;
  /**
   * The README's identity on this disk (size, mtime, inode; the directory's
   * when there is no README). Every write or edit changes it, so a README
   * that needs writing never looks like one seen before (write.ts).
   */
  stamp: string;
};

/** packages: one per package of the workspace. */
export type PackageRecord = {
  dir: string;
  name: string;
  /** sha256 over the package's own files (package.json, tsconfig, sources; not markdown). */
  hash: string;
  files: number;
  manager: PackageManager;
  /** The workspace root (holds the root package.json). */
  root: string;
  isWorkspace: boolean;
  workspace: WorkspaceLinks;
  readme: ReadmeRef;
};

export type Dependency = {
  name: string;
  range: string;
  kind: 'dependencies' | 'peerDependencies' | 'optionalDependencies' | 'devDependencies';
};

export type SymbolKind =
  | 'function'
  | 'class'
  | 'interface'
  | 'type'
  | 'enum'
  | 'const'
  | 'let'
  | 'var'
  | 'namespace'
  | 're-export';

export type ExportedSymbol = {
  name: string;
  kind: SymbolKind;
  /** `function slugify(text: string, options?: SlugOptions): string`: one line, or one per overload. */
  signature: string;
  /** Classes, interfaces, enums: one line per public member. */
  members?: string[];
};

export type EntryPoint = {
  /** `.` or `./html` (the exports subpath). */
  subpath: string;
  /** What package.json names (`./dist/index.js`). */
  target: string;
  /** The file that was parsed (package-relative), when one was found. */
  source?: string;
  symbols: ExportedSymbol[];
  /** Why there are no symbols, when there are none for a reason. */
  problem?: string;
};

/** What scan reads from one package: package.json facts and the exported API. */
export type PackageFacts = {
  name: string;
  version?: string;
  description?: string;
  license?: string;
  isPrivate: boolean;
  isModule: boolean;
  bin: { name: string; path: string }[];
  scripts: { name: string; command: string }[];
  engines: { name: string; range: string }[];
  dependencies: Dependency[];
  entries: EntryPoint[];
};

/** scan: the package record plus its facts. */
export type ScanRecord = PackageRecord & {
  facts: PackageFacts;
};

/** outline: the README section for one package. */
export type OutlineRecord = {
  dir: string;
  name: string;
  readme: ReadmeRef;
  /** The markdown between the markers (without the markers), LF line ends. */
  markdown: string;
  /** `template` or `ollama:<model>`. */
  generator: string;
};

/** write: one per README written or left alone. */
export type WriteRecord = {
  dir: string;
  name: string;
  readme: string;
  /** blockHash of the block the README now holds. */
  block: string;
};

export type Problem = {
  file: string;
  line: number;
  message: string;
};

/** verify: one per README checked. */
export type VerifyRecord = {
  readme: string;
  links: number;
  commands: number;
  fences: number;
  problems: Problem[];
};
