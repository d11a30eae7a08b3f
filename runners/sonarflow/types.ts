// The records that flow between sonarflow's stages (their JSON Schemas are
// in schemas/sonarflow-records.json). Type aliases with JSON values only and
// no optional fields, so they are records as src/api.ts defines them.
export const SEVERITIES = ['BLOCKER', 'CRITICAL', 'MAJOR', 'MINOR', 'INFO'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const ISSUE_TYPES = ['BUG', 'VULNERABILITY', 'CODE_SMELL'] as const;

/** One open issue, from SonarQube or from a SARIF result: the output of `fetch`. */
export type IssueRecord = {
  key: string;
  rule: string;
  severity: Severity;
  type: string;
  component: string;
  /** Workspace- or project-relative path. */
  file: string;
  line: number | null;
  message: string;
  /** SonarQube's remediation effort (`5min`, `1h30min`), null when unknown. */
  effort: string | null;
  tags: string[];
};

/**
 * The filters of one slice of the project's issues (a window under the
 * 10,000-result limit), as /api/issues/search params: componentKeys,
 * statuses, and when split severities, types, createdAfter (inclusive,
 * `yyyy-MM-ddTHH:mm:ss+0000`), createdBefore (exclusive), rules.
 */
export type SonarQuery = Record<string, string>;

/** One unit of work for `fetch`: a page of a SonarQube window, or a run of a SARIF file. */
export type FetchItem = SonarPageItem | SarifRunItem;

export type SonarPageItem = {
  id: string;
  source: 'sonarqube';
  query: SonarQuery;
  /** 1-based page index and page size, as SonarQube's `p` and `ps`. */
  p: number;
  ps: number;
  /** How many issues the window had when the pages were planned. */
  windowTotal: number;
};

export type SarifRunItem = {
  id: string;
  source: 'sarif';
  /** Workspace-relative path of the SARIF file. */
  path: string;
  /** Index into the file's `runs`. */
  run: number;
  /** Content hash of the file, so the item (and its cache entry) changes with it. */
  hash: string;
};

export type BundleIssue = {
  key: string;
  file: string;
  line: number | null;
  message: string;
  severity: Severity;
  effort: string | null;
};

/** Issues bundled by rule and path prefix: the output of `group`, one task each. */
export type BundleRecord = {
  /** Derived from what the bundle groups (rule, prefix): stable across runs, so a task file keeps its name. */
  id: string;
  rule: string;
  /** Path prefix the bundle covers (`src/engine`), `*` for bundles folded below minGroup. */
  prefix: string;
  priority: string;
  topSeverity: Severity;
  types: string[];
  tags: string[];
  count: number;
  /** Sum of the issues' effort, in minutes (0 when none is known). */
  effortMinutes: number;
  issues: BundleIssue[];
};

/** A remediation plan for one bundle (the LLM's output must match schemas/sonarflow-plan.json). */
export type TaskPlan = {
  title: string;
  summary: string;
  steps: string[];
  acceptance: string[];
};

export type PlannedBundle = BundleRecord & {
  plan: TaskPlan;
  /** `template`, `ollama:<model>`, or `template (ollama fallback)`. */
  planner: string;
};
