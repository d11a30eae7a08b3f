// The records boardrev's stages pass each other (JSONL datasets). Each is a
// function of content only, never of when or how often a stage ran, so an
// unchanged task or file yields the same record and everything downstream
// of it stays cached. Type aliases, not interfaces, so they are assignable
// to JsonRecord; nested values use null, never undefined, to stay JSON.
import type { Status } from './vocabulary.js';

/** frontmatter -> match: one task file, its front matter repaired. */
export type TaskRecord = {
  id: string;
  /** Workspace-relative path of the task file. */
  path: string;
  title: string;
  /** Canonical status, or the declared value (lower-cased) when it is not a known status. */
  status: string;
  priority: string;
  labels: string[];
  /** The markdown after the front matter, exactly as in the file. */
  body: string;
  /** What could not be repaired (invalid YAML, unknown status, ...). */
  problems: string[];
};

/** rules -> evaluate: what the process document requires of one status. */
export type RuleRecord = {
  status: Status;
  /** The section heading it came from, or `built-in`. */
  heading: string;
  /** 1-based line of the heading in the process document (0 for built-in rules). */
  line: number;
  source: 'process' | 'default';
  /** Checks that must all hold for a task to be in this status (vocabulary.ts CHECKS). */
  checks: string[];
  /** The section's bullets that name no check: shown in the report, not enforced. */
  notes: string[];
};

/** index -> match: one chunk of one source file. */
export type ChunkRecord = {
  path: string;
  /** 0-based position of the chunk in its file. */
  chunk: number;
  startLine: number;
  endLine: number;
  /** `provider:model:dim`: match refuses to compare vectors of two embedders. */
  embedder: string;
  /** int8, base64 (runners/lib/vector-codec.ts). */
  vector: string;
  text: string;
};

export type MatchHit = {
  path: string;
  startLine: number;
  endLine: number;
  score: number;
  /** `similar`: among the top k by cosine; `link`: the best chunk of a file the task links to. */
  via: 'similar' | 'link';
  text: string;
};

/** A file the task names: `found` in the index, `missing` (would be indexed, is not), or `outside` the indexed sources. */
export type NamedFile = {
  path: string;
  via: 'link' | 'mention';
  state: 'found' | 'missing' | 'outside';
};

/** An identifier or CLI flag the task names in backticks, and where the index has it. */
export type NamedTerm = {
  term: string;
  found: boolean;
  path: string | null;
  line: number | null;
  /** Whether the hit declares it (function/class/const ...) rather than just uses it. */
  defined: boolean;
};

/** match -> evaluate. */
export type MatchRecord = TaskRecord & {
  embedder: string;
  matches: MatchHit[];
  files: NamedFile[];
  terms: NamedTerm[];
};

/** What an evaluator answers for one task (schemas/boardrev-evaluation.json for the LLM). */
export type Evaluation = {
  inferredStatus: Status;
  confidence: number;
  summary: string;
  actions: string[];
  blockers: string[];
};

/** evaluate -> report. */
export type EvaluationRecord = {
  id: string;
  path: string;
  title: string;
  status: string;
  priority: string;
  labels: string[];
  problems: string[];
  inferredStatus: Status;
  confidence: number;
  summary: string;
  /** One line: why the inferred status (the heuristic's reason, or the model's summary). */
  reason: string;
  actions: string[];
  blockers: string[];
  /** Whether the inferred status disagrees with the declared one (review declared, done inferred agree). */
  disagrees: boolean;
  /** `heuristic`, or `ollama:<model>` when the model's answer was used. */
  evaluator: string;
  evidence: {
    boxes: { checked: number; total: number };
    files: NamedFile[];
    terms: NamedTerm[];
    matches: { path: string; startLine: number; endLine: number; score: number; via: string }[];
    /** Checks of the declared status's rules that fail. */
    violations: string[];
  };
};
