// YAML text -> plain data plus a way back from a field path to its line and
// column. Duplicate keys are reported here, with the path they occur at.
import { LineCounter, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node } from 'yaml';
import { formatPath } from './diagnostic.js';
import type { Diagnostic, SourcePosition } from './diagnostic.js';

export type FieldPath = readonly (string | number)[];

/** A piece of a scalar's text to point at, e.g. one `${...}` reference: its `occurrence`-th (0-based) appearance. */
export interface TextNeedle {
  text: string;
  occurrence: number;
}

export interface ParsedYaml {
  data: unknown;
  /**
   * Position of the key (or of the item, for list entries) at `path`. With a
   * needle, the position of that text inside the value when the source spells
   * it literally (it may not: escapes in quoted scalars); otherwise the value.
   */
  locate(path: FieldPath, part?: 'key' | 'value', needle?: TextNeedle): SourcePosition | undefined;
}

export function parseYaml(file: string, text: string): { parsed?: ParsedYaml; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const toPosition = (start: number, end: number): SourcePosition => {
    const from = lineCounter.linePos(start);
    const to = lineCounter.linePos(Math.max(start, end));
    const length = to.line === from.line ? Math.max(1, to.col - from.col) : lineLength(text, from.line) - from.col + 1;
    return { line: from.line, col: from.col, length: Math.max(1, length) };
  };
  const diagnostics: Diagnostic[] = doc.errors.map((error) => ({
    file,
    position: errorPosition(text, error.code, error.pos, toPosition),
    path: '',
    message: `YAML syntax error: ${firstSentence(error.message)}`,
  }));
  if (diagnostics.length > 0) return { diagnostics };
  // A key left out (`: x`) has an empty range, where its line starts: its colon says where it is missing.
  const keyPosition = (start: number, end: number): SourcePosition => {
    if (start < end) return toPosition(start, end);
    const colon = text.indexOf(':', start);
    return colon === -1 ? toPosition(start, end) : toPosition(colon, colon + 1);
  };
  diagnostics.push(...findDuplicateKeys(file, doc.contents as Node | null, [], keyPosition));
  // toJS() would warn on the process about such keys: reported above instead, and not converted.
  if (diagnostics.some((d) => d.message.startsWith(NOT_A_NAME))) return { diagnostics };

  const locate = (path: FieldPath, part: 'key' | 'value' = 'key', needle?: TextNeedle): SourcePosition | undefined => {
    // The document as a whole (an empty or comment-only file has no node) is at its start.
    const whole = path.length === 0 ? FILE_START : undefined;
    const found = walk(doc, path);
    if (!found) return whole;
    const { keyNode, valueNode } = found;
    const node = part === 'key' ? (keyNode ?? valueNode) : (valueNode ?? keyNode);
    if (!node?.range) return whole;
    if (needle && node === valueNode) {
      const at = nthIndexOf(text.slice(node.range[0], node.range[1]), needle.text, needle.occurrence);
      if (at !== -1) return toPosition(node.range[0] + at, node.range[0] + at + needle.text.length);
    }
    const end = part === 'key' && keyNode && valueNode?.range ? valueNode.range[1] : node.range[1];
    return toPosition(node.range[0], end);
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml package's guard against alias bombs (exponential expansion).
    if (!(error instanceof ReferenceError)) throw error;
    const alias = firstAlias(doc);
    const position = alias?.range ? toPosition(alias.range[0], alias.range[1]) : FILE_START;
    const message = `YAML aliases expand to too much data (more than ${MAX_ALIAS_COUNT} nodes from one alias): write the values out, or use fewer nested aliases`;
    return { diagnostics: [...diagnostics, { file, position, path: '', message }] };
  }
  // A tag such as !!binary or !!timestamp makes an object no field takes (the
  // schema would see a Buffer's methods as its fields): said where it is.
  const tagged = taggedValues(data, []).map(({ path, value }) => ({
    file,
    position: locate(path, 'value') ?? FILE_START,
    path: formatPath(path),
    message: `is ${kindOf(value)}: a field holds a string, a number, true or false, a list or a mapping`,
  }));
  if (tagged.length > 0) return { diagnostics: [...diagnostics, ...tagged] };
  return { parsed: { data, locate }, diagnostics };
}

/**
 * The values toJS() made into objects other than plain mappings and lists,
 * with their paths (at most MAX_TAGGED); each object once (an alias can make
 * the data a cycle, which the schema then reports).
 */
function taggedValues(
  value: unknown,
  path: FieldPath,
  found: { path: FieldPath; value: object }[] = [],
  seen = new WeakSet<object>(),
): { path: FieldPath; value: object }[] {
  if (found.length >= MAX_TAGGED || value === null || typeof value !== 'object' || seen.has(value)) return found;
  seen.add(value);
  if (Array.isArray(value)) for (const [i, item] of value.entries()) taggedValues(item, [...path, i], found, seen);
  else if (Object.getPrototypeOf(value) !== Object.prototype) found.push({ path, value });
  else for (const [key, item] of Object.entries(value)) taggedValues(item, [...path, key], found, seen);
  return found;
}

const MAX_TAGGED = 10;
/** A scalar key as toJS() names its field: `: x` has the key null, the field "". */
function keyText(value: unknown): string {
  return value === null ? '' : String(value);
}

/** How a key that is not a name is reported (findDuplicateKeys). */
const NOT_A_NAME = 'has a key that is';

function kindOf(value: object): string {
  if (value instanceof Uint8Array) return 'binary data (!!binary)';
  if (value instanceof Date) return 'a timestamp (!!timestamp)';
  if (value instanceof Set) return 'a set (!!set)';
  if (value instanceof Map) return 'an ordered mapping (!!omap)';
  return 'a tagged value';
}

const MAX_ALIAS_COUNT = 100;
const FILE_START: SourcePosition = { line: 1, col: 1, length: 1 };

function firstAlias(doc: Document): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_key, node) {
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

function walk(doc: Document, path: FieldPath): { keyNode?: Node; valueNode?: Node } | undefined {
  let current: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const segment of path) {
    if (isMap(current)) {
      // The last of duplicate keys, as toJS() keeps the last value: positions must match the data.
      const pair = current.items.findLast((item) => isScalar(item.key) && keyText(item.key.value) === String(segment));
      if (!pair) return undefined;
      keyNode = pair.key as Node;
      current = pair.value;
    } else if (isSeq(current) && typeof segment === 'number') {
      current = current.items[segment];
      keyNode = undefined;
      if (current === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  return { keyNode, valueNode: (current ?? undefined) as Node | undefined };
}

function findDuplicateKeys(
  file: string,
  node: Node | null,
  path: (string | number)[],
  toPosition: (start: number, end: number) => SourcePosition,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const value: unknown = isScalar(pair.key) ? pair.key.value : undefined;
      // A tag may make a scalar an object too (`!!binary x: 1`, a Buffer), which String() would garble.
      const key = isScalar(pair.key) && (value === null || typeof value !== 'object') ? keyText(value) : undefined;
      const range = (pair.key as Node | null)?.range;
      if ((key === undefined || key === '') && range) {
        // `? [a, b]: c` or `{a: 1}: c`: a key that is a list or a mapping, which no field can be; or `: c`, no key.
        const kind =
          key === '' ? 'empty' : value !== null && typeof value === 'object' ? kindOf(value) : 'a list or a mapping';
        found.push({
          file,
          position: toPosition(range[0], range[1]),
          path: formatPath(path),
          message: `${NOT_A_NAME} ${kind}: keys are plain names`,
        });
        continue;
      }
      if (key !== undefined && range) {
        const firstLine = seen.get(key);
        if (firstLine === undefined) {
          seen.set(key, toPosition(range[0], range[0]).line);
        } else {
          const isStage = path.length === 3 && path[0] === 'pipelines' && path[2] === 'stages';
          const what = isStage ? 'stage name' : path.length === 1 && path[0] === 'pipelines' ? 'pipeline name' : 'key';
          found.push({
            file,
            position: toPosition(range[0], range[1]),
            path: formatPath([...path, key]),
            message: `duplicate ${what} "${key}" (first defined at line ${firstLine})`,
          });
        }
      }
      if (key !== undefined)
        found.push(...findDuplicateKeys(file, pair.value as Node | null, [...path, key], toPosition));
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      found.push(...findDuplicateKeys(file, item as Node, [...path, index], toPosition));
    });
  }
  return found;
}

/**
 * yaml reports a bad indentation at the start of the line (the indent itself);
 * the item that is out of line starts at the first non-blank character, so
 * point there. A tab used as indentation is reported where the tab is.
 */
function errorPosition(
  text: string,
  code: string,
  [start, end]: [number, number],
  toPosition: (start: number, end: number) => SourcePosition,
): SourcePosition {
  const isLineStart = start === 0 || text[start - 1] === '\n';
  if (code === 'BAD_INDENT' && isLineStart) {
    let at = start;
    while (text[at] === ' ') at++;
    if (at < text.length && text[at] !== '\n' && text[at] !== '\r') {
      let stop = at;
      while (stop < text.length && text[stop] !== '\n' && text[stop] !== '\r') stop++;
      return toPosition(at, stop);
    }
  }
  return toPosition(start, end);
}

function nthIndexOf(haystack: string, needle: string, occurrence: number): number {
  let at = -1;
  for (let n = 0; n <= occurrence; n++) {
    at = haystack.indexOf(needle, at + 1);
    if (at === -1) return -1;
  }
  return at;
}

function firstSentence(message: string): string {
  return message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message;
}

function lineLength(text: string, line: number): number {
  return text.split('\n')[line - 1]?.length ?? 0;
}
