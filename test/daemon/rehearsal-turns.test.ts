// How many times a new daemon rehearses the no-op it was started after: up
// to three times, no more once a command has asked (seen between two
// rehearsals even when the one under way never let the event loop poll, as
// a long stat pass does not), and none after one that took the long
// rehearsal's time. The daemon here is the real server in a process of its
// own (through tsx), serving a command line whose rehearsals the test
// controls: the first one spins, without a break, until the test has asked.
// And one rehearsal more once its watchers are up, when a rehearsal kept a
// long list's pass (which began before them, so it vouches for nothing).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FIELDS } from '../../src/cache/stat-rows.js';
import { daemonPaths, readDaemonInfo } from '../../src/daemon/paths.js';
import { waitFor } from '../e2e/rig.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUILD = 'rehearsal-test';

/** The daemon's process: serveWorkspace with a main that counts its rehearsals and tells an answer the count. */
const SCRIPT = (server: string): string => `
import fs from 'node:fs';
import { serveWorkspace } from ${JSON.stringify(server)};
const [root, longMs, spinUntil, keepsPass] = process.argv.slice(2);
let rehearsals = 0;
await serveWorkspace({
  root,
  build: ${JSON.stringify(BUILD)},
  longRehearsalMs: Number(longMs),
  rehearse: { argv: ['exec', 'p'], cwd: root, env: { RUNNER_DAEMON: '1' } },
  main: async (io) => {
    if (io.host.isRehearsal) {
      rehearsals++;
      // As a run's stat pass over a long list keeps its stats with the watch log (HashHelp.changes), and
      // its stat cache's save tells the daemon which directories to watch (HashHelp.watch).
      if (keepsPass) {
        io.host.hashHelp?.changes?.()?.keep(['a.txt'], new Float64Array(${FIELDS}), []);
        io.host.hashHelp?.watch?.(() => [root]);
      }
      if (rehearsals === 1 && spinUntil) {
        fs.writeFileSync(spinUntil + '.started', '');
        while (!fs.existsSync(spinUntil)) {}
      }
      return 0;
    }
    io.stdout('rehearsals ' + rehearsals + '\\n');
    return 0;
  },
});
`;

describe("a new daemon's rehearsals", () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  const tempDir = (prefix: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  /** A daemon serving a new workspace; `spinUntil`: its first rehearsal spins until that file exists. */
  function startDaemon(longMs: number, spinUntil = '', keepsPass = ''): { root: string; socket: string; info: string } {
    const root = tempDir('runner-rehearsals-');
    // The daemon answers commands typed in a workspace: one with a pipelines.yaml.
    fs.writeFileSync(path.join(root, 'pipelines.yaml'), 'version: 1\n');
    const script = path.join(root, 'daemon.mjs');
    fs.writeFileSync(script, SCRIPT(pathToFileURL(path.join(here, '../../src/daemon/server.ts')).href));
    const tsx = pathToFileURL(
      path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs'),
    ).href;
    const child = spawn(process.execPath, ['--import', tsx, script, root, String(longMs), spinUntil, keepsPass], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return { root, ...daemonPaths(root) };
  }

  /** What the daemon printed for a command of its build. */
  async function ask(socket: string, root: string, onConnected = (): void => {}): Promise<string> {
    const connection = net.connect(socket);
    let text = '';
    let buffered = '';
    const answered = new Promise<string>((resolve, reject) => {
      connection.on('data', (data: Buffer) => {
        buffered += data.toString();
        for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
          const frame = JSON.parse(buffered.slice(0, end)) as { o?: string; exit?: number; defer?: string };
          buffered = buffered.slice(end + 1);
          if (frame.o !== undefined) text += frame.o;
          if (frame.exit !== undefined || frame.defer !== undefined) resolve(text);
        }
      });
      connection.once('error', reject);
    });
    await new Promise<void>((resolve) => connection.once('connect', resolve));
    connection.write(`${JSON.stringify({ argv: ['exec', 'p'], cwd: root, env: {}, isTty: false, build: BUILD })}\n`);
    onConnected();
    const result = await answered;
    connection.destroy();
    return result;
  }

  it('rehearses no more once a command has asked during a rehearsal that never let it be seen', async () => {
    const spinUntil = path.join(tempDir('runner-spin-'), 'asked');
    const { root, socket } = startDaemon(Number.POSITIVE_INFINITY, spinUntil);
    await waitFor(() => (fs.existsSync(`${spinUntil}.started`) ? true : undefined), 20_000, 'the first rehearsal');
    // Connected (the kernel holds the connection while the daemon spins), then the spin ends.
    const answer = await ask(socket, root, () => fs.writeFileSync(spinUntil, ''));
    expect(answer).toBe('rehearsals 1\n');
  });

  it('rehearses no more after a rehearsal that took the long time, and three times when each is shorter', async () => {
    const long = startDaemon(0);
    const short = startDaemon(Number.POSITIVE_INFINITY);
    const ready = (info: string) => (): true | undefined => (readDaemonInfo(info)?.readyAt ? true : undefined);
    await waitFor(ready(long.info), 20_000, 'the first daemon to warm up');
    await waitFor(ready(short.info), 20_000, 'the second daemon to warm up');
    expect(await ask(long.socket, long.root)).toBe('rehearsals 1\n');
    expect(await ask(short.socket, short.root)).toBe('rehearsals 3\n');
  });

  it("rehearses once more after a long rehearsal whose list's pass began before its watchers", async () => {
    // That pass vouches for no edit's run: one more, once the watchers are up, does.
    const keeping = startDaemon(0, '', 'keep');
    const plain = startDaemon(0);
    // After short ones the watchers start before the next: the last one's pass is vouched for.
    const short = startDaemon(Number.POSITIVE_INFINITY, '', 'keep');
    // readyAt comes after it.
    for (const { info } of [keeping, plain, short])
      await waitFor(() => readDaemonInfo(info)?.readyAt, 20_000, 'the daemons to warm up');
    expect(await ask(keeping.socket, keeping.root)).toBe('rehearsals 2\n');
    expect(await ask(plain.socket, plain.root)).toBe('rehearsals 1\n');
    expect(await ask(short.socket, short.root)).toBe('rehearsals 3\n');
  });
});
