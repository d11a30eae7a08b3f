// One line of words for each `why` and failure: the `reason` field of
// stage:end and the lines of `runner status`.
import { formatDuration } from '../config/duration.js';
import type { Change, Why } from '../cache/why.js';
import { unreachable } from '../util/unreachable.js';
import type { Failure } from './events.js';

export function whyText(why: Why): string {
  switch (why.reason) {
    case 'unchanged':
      return 'unchanged';
    case 'forced':
      return 'forced';
    case 'no-cache':
      return 'cache disabled (--no-cache)';
    case 'policy-never':
      return 'cache policy never';
    case 'no-cache-entry':
      return 'no cache entry';
    case 'found-in-cache':
      return 'found in the cache';
    case 'changed':
      return why.changes[0] ? changeText(why.changes[0]) : 'key changed';
    case 'output-missing':
      return `output missing: ${why.path}`;
    case 'output-changed':
      return `output changed: ${why.path}`;
    case 'ttl-expired':
      return 'ttl expired';
    case 'uncacheable':
      return `${why.items} ${why.items === 1 ? 'item' : 'items'} kept out of the cache last run`;
    case 'upstream-will-run':
      return `upstream will run: ${why.stage}`;
    default:
      return unreachable(why);
  }
}

export function changeText(change: Change): string {
  switch (change.kind) {
    case 'format':
      return 'cache format changed';
    case 'definition':
      return `definition changed: ${change.field}`;
    case 'code':
      return `code ${change.change}: ${change.file}`;
    case 'param':
      return `param changed: ${change.name}`;
    case 'env':
      return `env changed: ${change.name}`;
    case 'version':
      return 'cache version changed';
    case 'platform':
      return `platform changed: ${change.old} -> ${change.new}`;
    case 'input':
      return `input ${change.change}: ${change.file}`;
    case 'upstream':
      return `upstream changed: ${change.stage}`;
    default:
      return unreachable(change);
  }
}

/** A declared output the stage did not write as a file: missing, or a directory (its files are named by a glob). */
export function outputNotWritten(failure: { path: string; isDirectory?: true }): string {
  return failure.isDirectory
    ? `declared output is a directory, not a file: ${failure.path} (outputs name files: ${failure.path}/** names every file in it)`
    : `declared output was not written: ${failure.path}`;
}

export function failureText(failure: Failure): string {
  switch (failure.kind) {
    case 'exit-non-zero':
      return `exit code ${failure.code}`;
    case 'killed':
      return `killed by ${failure.signal}`;
    case 'timeout':
      return `timeout after ${formatDuration(failure.afterMs)}`;
    case 'error':
      return failure.at ? `${failure.message} (at ${failure.at})` : failure.message;
    case 'items-failed':
      return `${failure.failed} item${failure.failed === 1 ? '' : 's'} failed; first: ${failure.first[0]?.item ?? '?'}: ${failure.first[0]?.message ?? '?'}`;
    case 'output-not-written':
      return outputNotWritten(failure);
    case 'bad-module':
      return failure.message;
    case 'upstream-missing':
      return `needs ${failure.stage}, which has no cached result (it is not selected; run it first)`;
    case 'upstream-records-lost': {
      const what =
        failure.problem === 'missing'
          ? 'are not in .runner/objects'
          : 'in .runner/objects were corrupt and have been removed';
      return `the records of ${failure.stage} ${what}; the next run of ${failure.stage} recomputes them`;
    }
    case 'input-missing':
      return `input does not exist: ${failure.path}`;
    case 'cache-error':
      return `cache: ${failure.message}`;
    default:
      return unreachable(failure);
  }
}

/** Why in-flight work was stopped: Ctrl-C, or fail-fast after another stage failed. */
export function cancelCause(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  const message = reason instanceof Error ? reason.message : String(reason ?? 'interrupted');
  return message === 'interrupted' ? 'interrupted' : `cancelled: ${message}`;
}
