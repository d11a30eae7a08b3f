import fs from 'node:fs';

declare const __RUNNER_VERSION__: string | undefined;

/** The runner's version: inlined by the build, read from package.json when running from source. */
export const RUNNER_VERSION: string =
  typeof __RUNNER_VERSION__ === 'string'
    ? __RUNNER_VERSION__
    : (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
