// Finds pipelines.yaml: -f FILE, or DIR/pipelines.yaml for -C DIR, or the
// nearest one upward from the working directory.
import fs from 'node:fs';
import path from 'node:path';

export const CONFIG_NAMES = ['pipelines.yaml', 'pipelines.yml'];

export function findConfig(options: { file?: string; dir?: string; cwd: string }): string | undefined {
  // -C DIR acts first, as in make and git: -f FILE is then relative to DIR.
  const dir = options.dir ? path.resolve(options.cwd, options.dir) : undefined;
  if (options.file) return path.resolve(dir ?? options.cwd, options.file);
  if (dir) {
    return (
      CONFIG_NAMES.map((n) => path.join(dir, n)).find((f) => fs.existsSync(f)) ?? path.join(dir, CONFIG_NAMES[0] ?? '')
    );
  }
  for (let dir = options.cwd; ; dir = path.dirname(dir)) {
    const found = CONFIG_NAMES.map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
    if (found) return found;
    if (path.dirname(dir) === dir) return undefined;
  }
}
