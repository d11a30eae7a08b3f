// A compiler host that shows a program one package and the standard library,
// nothing else: no node_modules, no sibling packages through workspace
// symlinks, no files above the package. That keeps a package's extracted API
// a function of its own files (scan's cache key). The parsed library files
// are shared by every program in the process, so the second package costs
// its own files only.
import path from 'node:path';
import type TS from 'typescript';
import { ts } from '../lib/typescript.js';

const libraryFiles = new Map<string, TS.SourceFile>();

export function createPackageHost(packageDir: string, options: TS.CompilerOptions): TS.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const libraryDir = path.dirname(ts.getDefaultLibFilePath(options));
  const root = path.resolve(packageDir);
  const isInPackage = (file: string): boolean => {
    const relative = path.relative(root, path.resolve(file));
    return (
      relative === '' ||
      (!relative.startsWith('..') && !path.isAbsolute(relative) && !relative.split(path.sep).includes('node_modules'))
    );
  };
  const isLibrary = (file: string): boolean => path.dirname(path.resolve(file)) === libraryDir;
  const isVisible = (file: string): boolean => isInPackage(file) || isLibrary(file);
  return {
    ...host,
    fileExists: (file) => isVisible(file) && host.fileExists(file),
    readFile: (file) => (isVisible(file) ? host.readFile(file) : undefined),
    directoryExists: (dir) =>
      (isInPackage(dir) || path.resolve(dir) === libraryDir) && (host.directoryExists?.(dir) ?? true),
    getDirectories: (dir) => (isInPackage(dir) ? (host.getDirectories?.(dir) ?? []) : []),
    // Never follow a symlink out of the package.
    realpath: (file) => file,
    getSourceFile(fileName, languageVersion, onError, shouldCreate) {
      if (isLibrary(fileName)) {
        let cached = libraryFiles.get(fileName);
        if (!cached) {
          cached = host.getSourceFile(fileName, languageVersion, onError, shouldCreate);
          if (cached) libraryFiles.set(fileName, cached);
        }
        return cached;
      }
      return isInPackage(fileName) ? host.getSourceFile(fileName, languageVersion, onError, shouldCreate) : undefined;
    },
  };
}
