// examples/ci/github-actions.yml, read as GitHub reads it: the facts a user
// copies it for hold (when it runs, which store each event uses and how,
// the artifact), and its runner steps run as written against this build of
// the CLI and a real Redis, secrets standing in. So the example cannot rot
// silently.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { outcomes, REPO } from '../e2e/rig.js';
import { oneStageFiles, sharedCacheRig } from '../e2e/shared-cache-rig.js';

interface Step {
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  env?: Record<string, string>;
  steps: Step[];
}

const FILE = path.join(REPO, 'examples', 'ci', 'github-actions.yml');
const workflow = parse(fs.readFileSync(FILE, 'utf8')) as { on: unknown; jobs: Record<string, Job> };
const jobs = Object.values(workflow.jobs);
const job = jobs[0] as Job;

type Event = 'push' | 'pull_request';

/** The steps GitHub runs on `event`, each with the job's env under its own. */
function stepsOn(event: Event): Step[] {
  const runs = (step: Step) => step.if === undefined || step.if === `github.event_name == '${event}'`;
  return job.steps.filter(runs).map((step) => ({ ...step, env: { ...job.env, ...step.env } }));
}

/** The one step that runs runner on `event`, and its command line after `npx runner`. */
function runnerStep(event: Event): Step & { args: string[] } {
  const steps = stepsOn(event).filter((step) => step.run?.startsWith('npx runner '));
  expect(steps).toHaveLength(1);
  const step = steps[0] as Step;
  return { ...step, args: (step.run ?? '').split(/\s+/).slice(2) };
}

/** `${{ secrets.NAME }}`: the name; anything else is not a secret. */
function secretName(value: string | undefined): string | undefined {
  return /^\$\{\{ secrets\.(\w+) \}\}$/.exec(value ?? '')?.[1];
}

describe('the GitHub Actions example', () => {
  const rig = sharedCacheRig('redis');

  it('runs on pushes to main and on pull requests, one job, after npm ci on Node 20', () => {
    expect(workflow.on).toEqual({ push: { branches: ['main'] }, pull_request: null });
    expect(jobs).toHaveLength(1);
    const setupNode = job.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.['node-version']).toBe(20);
    const install = job.steps.findIndex((step) => step.run === 'npm ci');
    expect(install).toBeGreaterThan(job.steps.indexOf(setupNode as Step));
    for (const event of ['push', 'pull_request'] as const)
      expect(job.steps.indexOf(job.steps.find((s) => s.run === runnerStep(event).run) as Step)).toBeGreaterThan(
        install,
      );
  });

  it('writes the shared cache on pushes, only reads it on pull requests (as a read-only user), signed on both', () => {
    const push = runnerStep('push');
    const pull = runnerStep('pull_request');
    expect(push.env?.RUNNER_CACHE_READONLY).toBeUndefined();
    expect(pull.env?.RUNNER_CACHE_READONLY).toBe('1');
    expect(secretName(push.env?.RUNNER_CACHE_URL)).toBe('RUNNER_CACHE_URL');
    expect(secretName(pull.env?.RUNNER_CACHE_URL)).toBe('RUNNER_CACHE_READ_URL');
    for (const step of [push, pull])
      expect(secretName(step.env?.RUNNER_CACHE_SIGNING_KEY)).toBe('RUNNER_CACHE_SIGNING_KEY');
    expect(push.args).toEqual(pull.args);
  });

  it('keeps the HTML report and the run records as an artifact, even when a stage failed', () => {
    const upload = job.steps.filter((step) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(upload).toHaveLength(1);
    expect(upload[0]?.if).toBe('always()');
    const paths = String(upload[0]?.with?.path).trim().split('\n');
    const { args } = runnerStep('push');
    expect(paths).toEqual([args[args.indexOf('--report') + 1], '.runner/runs/']);
  });

  it('runs its runner steps as written: the push fills the shared store, the pull request restores from it', async () => {
    const secrets: Record<string, string> = {
      RUNNER_CACHE_URL: rig.url(),
      RUNNER_CACHE_READ_URL: rig.url(),
      RUNNER_CACHE_SIGNING_KEY: 'a-long-random-string',
    };
    const envOf = (step: Step): Record<string, string> =>
      Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, secrets[secretName(v) ?? ''] ?? v]));
    const run = async (event: Event) => {
      const step = runnerStep(event);
      expect(step.args[0]).toBe('exec');
      const ws = rig.machine(oneStageFiles('a\n', step.args[1]));
      const result = await ws.run([...step.args, '--json'], { env: envOf(step) });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('warning');
      const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
      for (const kept of String(upload?.with?.path).trim().split('\n')) expect(ws.exists(kept)).toBe(true);
      return outcomes(result.events);
    };
    expect(await run('push')).toEqual({ make: 'ran' });
    const stored = (await rig.keys()).sort();
    expect(stored.length).toBeGreaterThan(0);
    expect(await run('pull_request')).toEqual({ make: 'restored' });
    expect((await rig.keys()).sort()).toEqual(stored);
  });
});
