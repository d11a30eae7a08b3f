// A record as the JSON of its dataset line, checked to be an object's JSON.
// JSON.stringify writes an object as an object unless it has a toJSON() (a
// Date's returns a string; one may return undefined) or is a boxed
// primitive (`new String('x')`); such a record would be written as a line
// no reader takes for a record, found only by the stage that reads it,
// after its producer's result was cached.

/**
 * `record`'s JSON. Throws a TypeError saying why when it is not an
 * object's, and JSON.stringify's own when JSON cannot write it (a BigInt, a
 * cycle, a toJSON() that throws).
 */
export function recordJson(record: object): string {
  // Other records' JSON is not looked at: reading a character of it flattens the string
  // JSON.stringify built in parts, which cost a million small records a tenth more time.
  if (typeof (record as { toJSON?: unknown }).toJSON !== 'function' && !isBoxed(record)) return JSON.stringify(record);
  const json = JSON.stringify(record) as string | undefined;
  if (json === undefined || !json.startsWith('{')) throw new TypeError(notAnObject(json));
  return json;
}

function isBoxed(record: object): boolean {
  return record instanceof String || record instanceof Number || record instanceof Boolean;
}

function notAnObject(json: string | undefined): string {
  if (json === undefined) return 'it is written as nothing (its toJSON() returned undefined)';
  const shown = json.length > 60 ? `${json.slice(0, 60)}…` : json;
  return `it is written as ${shown}, not as an object`;
}
