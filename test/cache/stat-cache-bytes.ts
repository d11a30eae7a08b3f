// The bytes of a stat cache file as tests damage them (stat-cache-file.ts
// lays them out): where its sections are, and the file laid out again with
// a section's content replaced and its checks made anew, as a foreign
// writer would leave it (content the checks vouch for, which only the
// shape checks can refuse).
import { encodeSections, HEADER_BYTES, MAGIC, SECTIONS } from '../../src/cache/stat-cache-file.js';
import type { BodySection, Section } from '../../src/cache/stat-cache-file.js';

export interface Layout {
  files: number;
  sections: Record<Section, [number, number]>;
}

/** The header's JSON of a stat cache file's bytes. */
export function layoutOf(data: Buffer): Layout {
  if (data.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('not a stat cache of this version');
  const end = data.indexOf(10, MAGIC.length);
  if (end < 0 || end >= HEADER_BYTES) throw new Error('no header');
  return JSON.parse(data.toString('utf8', MAGIC.length, end)) as Layout;
}

/** Section `name`'s bytes (a view). */
export function sectionOf(data: Buffer, name: Section): Buffer {
  const [offset, length] = layoutOf(data).sections[name];
  return data.subarray(offset, offset + length);
}

/** The file laid out again with each covered section as `edit` answers it (its bytes as they were by default). */
export function relaid(data: Buffer, edit: (name: BodySection, bytes: Buffer) => Uint8Array): Buffer {
  const sections = {} as Record<BodySection, Uint8Array>;
  for (const name of SECTIONS) if (name !== 'checks') sections[name] = edit(name, sectionOf(data, name));
  return encodeSections(layoutOf(data).files, sections);
}

/** The row of `file` in the paths section. */
export function rowOf(data: Buffer, file: string): number {
  const row = sectionOf(data, 'paths').toString('utf8').split('\0').indexOf(file);
  if (row < 0) throw new Error(`${file} is not in the stat cache`);
  return row;
}
