import fs from 'node:fs';

declare const __RUNNER_VERSION__: string | undefined;
declare const __RUNNER_PACKAGE__: string | undefined;

/** package.json, read only when running from source (the build inlines what is needed). */
function packageJson(): { name: string; version: string } {
  return JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
}

/** The runner's version: inlined by the build, read from package.json when running from source. */
export const RUNNER_VERSION: string =
  typeof __RUNNER_VERSION__ === 'string' ? __RUNNER_VERSION__ : packageJson().version;

/** The npm package users install, and import the stage API (src/api.ts) from. */
export const RUNNER_PACKAGE: string = typeof __RUNNER_PACKAGE__ === 'string' ? __RUNNER_PACKAGE__ : packageJson().name;
