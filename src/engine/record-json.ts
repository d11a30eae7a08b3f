// A record as the JSON of its dataset line, checked to be an object's JSON.
// JSON.stringify writes an object as an object unless it has a toJSON() (a
// Date's returns a string; one may return undefined) or is a boxed
// primitive (`new String('x')`); such a record would be written as a line
// no reader takes for a record, found only by the stage that reads it,
// after its producer's result was cached. A Promise (a missing await), a
// Map, a Set or an iterator it writes as {}: a record of nothing, refused
// too. (What a record's fields hold is JSON's to write: NaN as null.)

/**
 * `record`'s JSON. Throws a TypeError saying why when it is not an
 * object's, and JSON.stringify's own when JSON cannot write it (a BigInt, a
 * cycle, a toJSON() that throws).
 */
export function recordJson(record: object): string {
  // A plain object's JSON is not looked at: reading a character of it flattens the string
  // JSON.stringify built in parts, which cost a million small records a tenth more time.
  if (isPlain(record)) return JSON.stringify(record);
  const kind = notARecord(record);
  if (kind !== undefined) throw new TypeError(`it is ${kind}, which JSON writes as {}`);
  const json = JSON.stringify(record) as string | undefined;
  if (json === undefined || !json.startsWith('{')) throw new TypeError(notAnObject(json));
  return json;
}

/**
 * The JSON lines (each ending in a newline) of records that are all plain
 * objects, from one JSON.stringify of them all: a call per record costs
 * about twice the time per record on small ones (V8 sets up a serializer
 * per call). Between two records the array's text holds `},{`; when the
 * records' own text holds it too (an array of objects in a field), there
 * are more than `records.length - 1` of them and the answer is undefined,
 * as it is when one record is not a plain object or JSON cannot write one:
 * the caller then writes them one by one, with the errors that names.
 */
export function recordLines(records: readonly unknown[]): string | undefined {
  if (records.length === 0) return '';
  for (const record of records)
    if (record === null || typeof record !== 'object' || !isPlain(record as object)) return undefined;
  let json: string;
  try {
    json = JSON.stringify(records);
  } catch {
    return undefined;
  }
  let seams = 0;
  for (let at = json.indexOf(SEAM); at !== -1; at = json.indexOf(SEAM, at + SEAM.length)) seams++;
  if (seams !== records.length - 1) return undefined;
  return `${json.slice(1, -1).replaceAll(SEAM, '}\n{')}\n`;
}

const SEAM = '},{';

/** An object JSON writes as the object it is: its prototype Object's (or none), and no toJSON(). */
function isPlain(record: object): boolean {
  const proto: unknown = Object.getPrototypeOf(record);
  return (
    (proto === Object.prototype || proto === null) && typeof (record as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** What `record` is when it is an object JSON would write as {} though it holds something: a Promise, a Map... */
function notARecord(record: object): string | undefined {
  if (typeof (record as { then?: unknown }).then === 'function') return 'a Promise (an await missing?)';
  if (record instanceof Map) return 'a Map';
  if (record instanceof Set) return 'a Set';
  const next = (record as { next?: unknown }).next;
  if (typeof next === 'function' && Symbol.iterator in record) return 'an iterator (a generator?)';
  return undefined;
}

function notAnObject(json: string | undefined): string {
  if (json === undefined) return 'it is written as nothing (its toJSON() returned undefined)';
  const shown = json.length > 60 ? `${json.slice(0, 60)}…` : json;
  return `it is written as ${shown}, not as an object`;
}
