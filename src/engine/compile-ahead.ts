// A run compiles the TypeScript of the stages it will run from scratch as it
// starts, not when each stage first imports its module. On a cold run every
// stage's module graph is compiled (compiled-modules.ts), each by the thread
// that first imports it: the main thread and each worker thread alike, in a
// worker-thread stage, one file after another, and a stage's compile sat
// between its upstream's end and its own first item. Started together, the
// graphs compile in one esbuild service while the first stages hash their
// inputs and run; a stage whose workers start waits for its own graph
// before they load it, so they load compiled files instead of compiling
// them again. Deleting this module and its calls in run.ts and job.ts
// leaves each graph compiled where it is first imported.
import path from 'node:path';
import type { StagePlan } from '../config/types.js';
import { compileGraph } from './compiled-modules.js';

const TYPESCRIPT = /\.(m|c)?tsx?$/;

/** The compile of each stage's module graph, started now; stages without TypeScript have none. */
export function compileAhead(stages: readonly StagePlan[], root: string): Map<string, Promise<void>> {
  const compiles = new Map<string, Promise<void>>();
  const dir = path.join(root, '.runner', 'modules');
  for (const stage of stages) {
    const { definition } = stage;
    if (definition.kind === 'shell' || !TYPESCRIPT.test(definition.run.module)) continue;
    compiles.set(stage.id, compileGraph(path.resolve(root, definition.run.module), dir));
  }
  return compiles;
}
