/** Whether the environment says it is a CI job: CI set, and not to '', '0' or 'false'. */
export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}
