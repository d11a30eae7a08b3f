// `runner exec p -kw` is `-k -w`, as commander reads short options given
// together: it watches, and each cycle runs the command line without the
// watch (`exec p -k`), once. A cycle that kept the `w` was a watch of its
// own, which started another, and so on: no stage ever ran.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, waitFor, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      copy: { shell: "cat in.txt > out.txt", inputs: [in.txt], outputs: [out.txt] }
`;

/** The pids of the processes whose parent is `parent` (from /proc). */
function childrenOf(parent: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // The parent pid is the fourth field, after the command name in parentheses.
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function argvOf(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

describe('exec with -w among other short options (-kw)', () => {
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it.each([['-kw'], ['-wk']])(
    '%s watches, and its cycle is a run, not another watch',
    async (flags) => {
      ws = new Workspace('runner-watch-kw-');
      ws.write('pipelines.yaml', PIPELINE);
      ws.write('in.txt', 'hello\n');
      const child = spawn(process.execPath, [BIN, 'exec', 'p', flags], {
        cwd: ws.dir,
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const pid = child.pid as number;
      // Either the first cycle ran and the watch waits, or the cycle started is itself a watch, which
      // starts a watch of its own. A child with the flags alone proves nothing: between its fork and its
      // exec, a cycle's process still shows the watch's command line.
      const seen = await waitFor(
        () => {
          if (stderr.includes('watch: waiting for changes')) return 'watching';
          const watches = childrenOf(pid).filter((child) => argvOf(child).includes(flags));
          const nested = watches.flatMap(childrenOf).filter((child) => argvOf(child).includes(flags));
          return nested.length > 0 ? `a cycle watched: ${argvOf(nested[0] as number).join(' ')}` : undefined;
        },
        20_000,
        'the first cycle',
      );
      child.kill('SIGINT');
      expect(seen).toBe('watching');
      expect(await exited).toBe(0);
      expect(ws.read('out.txt')).toBe('hello\n');
      expect(stderr).toContain('p/copy: ran');
    },
    30_000,
  );
});
