import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

describe('--help', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('runner --help lists the global options and every command', async () => {
    ws = new Workspace();
    const result = await ws.run(['--help']);
    expect(result.code).toBe(0);
    for (const option of ['-f, --file <file>', '-C, --dir <dir>', '-V, --version', '-h, --help'])
      expect(result.stdout).toContain(option);
    for (const command of [
      'init [options]',
      'exec [options] <pipeline...>',
      'status [options] <pipeline...>',
      'list [options]',
      'graph [options] <pipeline>',
      'validate',
      'cache',
      'worker [options]',
    ]) {
      expect(result.stdout).toContain(`  ${command}`);
    }
  });

  it('runner exec --help lists every exec option', async () => {
    ws = new Workspace();
    const result = await ws.run(['exec', '--help']);
    expect(result.code).toBe(0);
    const options = [
      '--only <stages>',
      '--from <stages>',
      '--to <stages>',
      '--force',
      '--force=S',
      '-j, --jobs <n>',
      '-p, --param <name=value>',
      '--dry-run',
      '-k, --keep-going',
      '--json',
      '--no-cache',
      '--report <file>',
      '--workers <url>',
      '--no-workers',
      '-h, --help',
    ];
    for (const option of options) expect(result.stdout).toContain(option);
    // The internal spelling of --force=S stays hidden.
    expect(result.stdout).not.toContain('--force-stage');
  });

  it('runner graph --help lists the formats', async () => {
    ws = new Workspace();
    const result = await ws.run(['graph', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--format <format>');
    expect(result.stdout).toContain('"mermaid", "dot", "json"');
  });

  it('an unknown option is bad usage (exit 2) with a suggestion', async () => {
    ws = new Workspace();
    const result = await ws.run(['exec', 'p', '--keep-goin']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--keep-goin'");
    expect(result.stderr).toContain('--keep-going');
  });
});
