// The heap in use, for `maxMemory`: read from V8's heap statistics, not
// process.memoryUsage(), which also reads the RSS from /proc (a read that
// waits on the memory map's lock while worker threads fault pages in). Cheap
// enough to read on every item start.
import { v8 } from '../util/builtins.js';

export function heapUsed(): number {
  return v8().getHeapStatistics().used_heap_size;
}
