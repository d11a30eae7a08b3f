// The TypeScript compiler, loaded with require(). `import ts from
// 'typescript'` costs about 0.5 s more per thread: the ESM loader scans the
// 9 MB CommonJS file for named exports, and a loader hook (tsx) sees it too.
// Every worker thread that parses pays the load once, so it matters.
// Types come from `import type ts from 'typescript'` where needed.
import { createRequire } from 'node:module';
import type TS from 'typescript';

export const ts = createRequire(import.meta.url)('typescript') as typeof TS;
