// Which packages make up a workspace, and which package manager runs it.
// Patterns come from pnpm-workspace.yaml (`packages:`) when it exists, else
// from `workspaces` in the root package.json (npm and yarn: a list, or yarn
// classic's `{ packages: [...] }`). A pattern names directories; those
// holding a package.json are packages; `!pattern` excludes. Without patterns
// the root alone is the package. The root of a workspace is not one of its
// packages: it is the workspace's own tooling, not something anyone installs.
//
// The manager is, in order: the root's `packageManager` field, a
// pnpm-workspace.yaml, a pnpm or yarn lockfile (or .yarnrc.yml), else npm.
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import YAML from 'yaml';
import type { PackageManager } from './types.js';
import { compare, isRecord, readIfExists, readJson } from './util.js';

export interface WorkspaceLayout {
  manager: PackageManager;
  isWorkspace: boolean;
  /** The patterns as declared (empty for a single package). */
  patterns: string[];
  /** Package directories relative to the root, sorted; `.` for a single package. */
  packageDirs: string[];
}

export interface LayoutSources {
  rootManifest: unknown;
  /** Text of pnpm-workspace.yaml (or .yml), when there is one. */
  pnpmWorkspace?: string;
  /** Names of the files at the root (lockfiles are looked for among them). */
  rootFiles: readonly string[];
  /** Directories (root-relative, POSIX) that hold a package.json. */
  manifestDirs: readonly string[];
}

export const LAYOUT_FILES = [
  'pnpm-workspace.yaml',
  'pnpm-workspace.yml',
  'pnpm-lock.yaml',
  'yarn.lock',
  '.yarnrc.yml',
  'package-lock.json',
];

export function discoverLayout(sources: LayoutSources): WorkspaceLayout {
  const manager = managerOf(sources);
  const patterns =
    sources.pnpmWorkspace !== undefined ? pnpmPatterns(sources.pnpmWorkspace) : manifestPatterns(sources.rootManifest);
  if (patterns.length === 0) return { manager, isWorkspace: false, patterns, packageDirs: ['.'] };
  const include = patterns.filter((p) => !p.startsWith('!')).map(normalisePattern);
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => normalisePattern(p.slice(1)));
  const isIncluded = include.length > 0 ? picomatch(include, { dot: false }) : () => false;
  const isExcluded = exclude.length > 0 ? picomatch(exclude, { dot: false }) : () => false;
  const packageDirs = sources.manifestDirs
    .filter((dir) => dir !== '.' && !dir.split('/').includes('node_modules'))
    .filter((dir) => isIncluded(dir) && !isExcluded(dir))
    .sort(compare);
  return { manager, isWorkspace: true, patterns, packageDirs: [...new Set(packageDirs)] };
}

/**
 * The layout of the workspace at `root` (absolute), walking it for
 * package.json files unless `manifestDirs` is given; `name` is the root as
 * messages name it (workspace-relative).
 */
export function discoverWorkspace(
  root: string,
  options: { manifestDirs?: readonly string[]; name?: string } = {},
): WorkspaceLayout {
  const rootFiles = LAYOUT_FILES.filter((name) => fs.existsSync(path.join(root, name)));
  const pnpmFile = rootFiles.find((name) => name.startsWith('pnpm-workspace.'));
  return discoverLayout({
    rootManifest: readJson(path.join(root, 'package.json'), path.posix.join(options.name ?? root, 'package.json')),
    pnpmWorkspace: pnpmFile ? readIfExists(path.join(root, pnpmFile)) : undefined,
    rootFiles,
    manifestDirs: options.manifestDirs ?? findManifestDirs(root),
  });
}

/** Directories under `root` holding a package.json, skipping node_modules and dot-directories. */
export function findManifestDirs(root: string): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    const absolute = path.join(root, relative);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(absolute, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isFile() && e.name === 'package.json')) found.push(relative === '' ? '.' : relative);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      walk(relative === '' ? entry.name : `${relative}/${entry.name}`);
    }
  };
  walk('');
  return found.sort(compare);
}

function managerOf(sources: LayoutSources): PackageManager {
  const declared = isRecord(sources.rootManifest) ? sources.rootManifest.packageManager : undefined;
  if (typeof declared === 'string') {
    const name = declared.split('@')[0];
    if (name === 'pnpm' || name === 'yarn' || name === 'npm') return name;
  }
  const files = new Set(sources.rootFiles);
  if (sources.pnpmWorkspace !== undefined || files.has('pnpm-lock.yaml')) return 'pnpm';
  if (files.has('yarn.lock') || files.has('.yarnrc.yml')) return 'yarn';
  return 'npm';
}

function pnpmPatterns(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (error) {
    throw new Error(`pnpm-workspace.yaml: ${(error as Error).message}`);
  }
  const packages = isRecord(parsed) ? parsed.packages : undefined;
  return Array.isArray(packages) ? packages.filter((p): p is string => typeof p === 'string') : [];
}

function manifestPatterns(manifest: unknown): string[] {
  if (!isRecord(manifest)) return [];
  const workspaces = manifest.workspaces;
  const list = Array.isArray(workspaces)
    ? workspaces
    : isRecord(workspaces) && Array.isArray(workspaces.packages)
      ? workspaces.packages
      : [];
  return list.filter((p): p is string => typeof p === 'string');
}

function normalisePattern(pattern: string): string {
  let out = pattern.trim();
  while (out.startsWith('./')) out = out.slice(2);
  return out.replace(/\/+$/, '');
}
