// A run compiles the TypeScript of the stages it will run from scratch as it
// starts, not when each stage first imports its module. On a cold run every
// stage's module graph is compiled (compiled-modules.ts), each by the thread
// that first imports it: the main thread and each worker thread alike, in a
// worker-thread stage, and a stage's compile sat between its upstream's end
// and its own first item. Here the graphs compile in one esbuild service,
// one after another in the order of the stages, while the first stages hash
// their inputs and run; a stage whose workers start waits for its own graph
// before they load it, so they load compiled files instead of compiling
// them again. Deleting this module and its calls in run.ts and job.ts
// leaves each graph compiled where it is first imported.
import type { StagePlan } from '../config/types.js';
import { compileModule, isTypeScript } from './module-loader.js';

/**
 * The compile of each stage's module graph, one graph after another in the
 * order of `stages` (the first stage's alone takes half the time of all
 * at once); stages without TypeScript have none.
 */
export function compileAhead(stages: readonly StagePlan[], root: string): Map<string, Promise<void>> {
  const compiles = new Map<string, Promise<void>>();
  let previous = Promise.resolve();
  for (const stage of stages) {
    const { definition } = stage;
    if (definition.kind === 'shell' || !isTypeScript(definition.run.module)) continue;
    const { module } = definition.run;
    previous = previous.then(() => compileModule(root, module));
    compiles.set(stage.id, previous);
  }
  return compiles;
}
