// The TypeScript compiler, for the stages that parse (simtask's scan,
// readmeflow). Loaded as CommonJS, not with `import ts from 'typescript'`:
// the ESM loader scans its 9 MB for named exports, and a loader hook (tsx)
// sees it too, 0.5 s more per thread. And compiled through a V8 code cache
// in node_modules/.cache/runner/, which cuts its compile from about 150 ms
// to about 50 ms in every thread that loads it (the main thread, each
// worker). The cache is named after the file's size and mtime and the Node
// version; V8 rejects one that does not fit, and it is written again. No
// cache (a read-only install) only costs that time. Types come from
// `import type TS from 'typescript'`.
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type TS from 'typescript';

export const ts = loadTypeScript();

function loadTypeScript(): typeof TS {
  const file = createRequire(import.meta.url).resolve('typescript');
  // Decoded as latin1 when it is all ASCII (it is): the same string, and the
  // UTF-8 decoder took 80 to 110 ms of the 9 MB against 12 to 25 ms.
  const bytes = fs.readFileSync(file);
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const stat = fs.statSync(file);
  const cacheFile = path.join(
    path.dirname(file),
    '..',
    '..',
    '.cache',
    'runner',
    `typescript-${stat.size}-${Math.round(stat.mtimeMs)}-${process.version}-${process.arch}.v8cache`,
  );
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const module = { exports: {} as typeof TS };
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    module.exports,
    module.exports,
    createRequire(file),
    module,
    file,
    path.dirname(file),
  );
  if (cachedData === undefined || script.cachedDataRejected === true) writeCache(cacheFile, script);
  return module.exports;
}

function writeCache(cacheFile: string, script: vm.Script): void {
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    const temp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.writeFileSync(temp, script.createCachedData());
    fs.renameSync(temp, cacheFile);
  } catch {
    // A read-only node_modules: load without a cache.
  }
}
