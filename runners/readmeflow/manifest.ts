// The facts of a package.json a README states: identity, bins, scripts,
// engines and dependencies. Lenient by design: a field of the wrong type is
// treated as absent (a README is still worth writing for a package with a
// sloppy manifest), but the manifest must be a JSON object.
import type { Dependency, PackageFacts } from './types.js';
import { compare, isRecord } from './util.js';

const DEPENDENCY_KINDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'] as const;

export function manifestFacts(manifest: unknown, where: string): Omit<PackageFacts, 'entries'> {
  if (!isRecord(manifest)) throw new Error(`${where}: package.json is not a JSON object`);
  const name = text(manifest.name) ?? '';
  return {
    name,
    ...optional('version', text(manifest.version)),
    ...optional('description', text(manifest.description)?.trim() || undefined),
    ...optional('license', licenseOf(manifest.license)),
    isPrivate: manifest.private === true,
    isModule: manifest.type === 'module',
    bin: binsOf(manifest.bin, name),
    scripts: stringEntries(manifest.scripts).map(([scriptName, command]) => ({ name: scriptName, command })),
    engines: stringEntries(manifest.engines).map(([engine, range]) => ({ name: engine, range })),
    dependencies: DEPENDENCY_KINDS.flatMap((kind) =>
      stringEntries(manifest[kind])
        .sort(([a], [b]) => compare(a, b))
        .map(([dep, range]): Dependency => ({ name: dep, range, kind })),
    ),
  };
}

/** `bin: "./cli.js"` is named after the package (without its scope); `bin: { name: path }` names each. */
function binsOf(bin: unknown, packageName: string): PackageFacts['bin'] {
  if (typeof bin === 'string') return packageName ? [{ name: packageName.replace(/^@[^/]+\//, ''), path: bin }] : [];
  return stringEntries(bin)
    .sort(([a], [b]) => compare(a, b))
    .map(([name, file]) => ({ name, path: file }));
}

function licenseOf(license: unknown): string | undefined {
  if (typeof license === 'string') return license;
  return isRecord(license) ? text(license.type) : undefined;
}

/** Entries of an object whose values are strings, in declaration order. */
function stringEntries(value: unknown): [string, string][] {
  if (!isRecord(value)) return [];
  return Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `{ key: value }` when value is defined, `{}` otherwise: records never hold `undefined`. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
