// Types of scripts/test-setup.mjs, for the tests that import it.
export interface SystemPackage {
  command: string;
  apt: string;
  usedBy: string;
}
export const SYSTEM_PACKAGES: SystemPackage[];
export function missingPackages(pathVariable: string | undefined, packages?: SystemPackage[]): SystemPackage[];
export function isDebianLike(osRelease: string | undefined): boolean;
export type SetUpPlan =
  | { action: 'none' }
  | { action: 'apt-get'; packages: string[] }
  | { action: 'fail'; message: string };
export function setUpPlan(options: { missing: SystemPackage[]; isRoot: boolean; isDebian: boolean }): SetUpPlan;
export function ensureSystemPackages(options?: { env?: NodeJS.ProcessEnv; log?: (message: string) => void }): boolean;
