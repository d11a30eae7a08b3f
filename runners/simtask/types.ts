// The records that flow between simtask's stages. Type aliases, not
// interfaces, so they are assignable to JsonRecord (which has an index
// signature).

export type FunctionKind =
  | 'function'
  | 'arrow'
  | 'function-expression'
  | 'method'
  | 'constructor'
  | 'getter'
  | 'setter'
  | 'object-method';

/** What a function is, without its code: shared by scan, embed and cluster records. */
export type FunctionInfo = {
  /** Stable across runs: file + qualified name + kind (+ `~N` for the Nth duplicate), never line numbers. */
  id: string;
  file: string;
  /** Simple name (`sum`), qualified name (`Cart.sum`) in `qualifiedName`. */
  name: string;
  qualifiedName: string;
  kind: FunctionKind;
  className?: string;
  exported: boolean;
  signature: string;
  startLine: number;
  endLine: number;
  /** Number of tokens of the normalized code: small functions are all alike, cluster skips them. */
  tokens: number;
  /** sha256 of `normalized`: the embed cache key. */
  codeHash: string;
};

/** scan: one per function. */
export type ScanRecord = FunctionInfo & {
  code: string;
  /** The code as tokens joined by single spaces: no comments, no layout. */
  normalized: string;
};

/** embed: the function without its code, plus its vector. */
export type EmbedRecord = FunctionInfo & {
  /** `provider:model:dim` of the vector. */
  embedder: string;
  /** base64 int8 (runners/lib/vector-codec.ts). */
  vector: string;
  /** base64 MinHash sketch of the structural features (local embedder only), for LSH banding. */
  sketch?: string;
};

export type ClusterMember = Omit<FunctionInfo, 'codeHash' | 'tokens'>;

/** cluster: one per group of near-duplicates. */
export type ClusterRecord = {
  /** `c` + 12 hex of sha256 over the sorted member ids: content-derived, not positional. */
  id: string;
  /** The most common simple name among members (ties: exported functions' names first, then code-unit order). */
  name: string;
  size: number;
  similarity: { max: number; avg: number; min: number };
  embedder: string;
  members: ClusterMember[];
};

export type Plan = {
  title: string;
  summary: string;
  canonicalName: string;
  canonicalPath: string;
  proposedSignature: string;
  steps: string[];
  risks: string[];
  acceptance: string[];
};

/** plan: the cluster and its plan. */
export type PlanRecord = ClusterRecord & {
  plan: Plan;
  /** `template`, or `ollama:<model>` when the model's answer was valid. */
  planner: string;
};

/** write: what happened to each task file. */
export type WriteRecord = {
  file: string;
  cluster: string;
  action: 'created' | 'updated' | 'unchanged' | 'removed' | 'marked-stale';
};
