// A shared store that accepts the connection but never answers (a hung
// server, a proxy with nothing behind it) costs the run the connect timeout
// (2 s), one warning and the sharing: never the run itself.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      make:
        shell: "mkdir -p out && cat in.txt in.txt > out/double.txt"
        inputs: [in.txt]
        outputs: [out/double.txt]
`;

describe('a shared store that never answers', () => {
  const sockets: net.Socket[] = [];
  let server: net.Server | undefined;
  let ws: Workspace | undefined;
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    ws?.remove();
  });

  it('is given up after the connect timeout: the run goes on with the local cache', async () => {
    server = net.createServer((socket) => void sockets.push(socket));
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const { port } = listening.address() as net.AddressInfo;
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('in.txt', 'a\n');
    const env = { RUNNER_CACHE_URL: `redis://127.0.0.1:${port}` };
    const started = Date.now();
    const run = await ws.run(['exec', 'p', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(outcomes(run.events)).toEqual({ make: 'ran' });
    expect(run.stderr).toContain(
      `warning: shared cache unavailable, using the local cache only: cannot connect to redis://127.0.0.1:${port}: no answer within 2 s`,
    );
    expect(sockets.length).toBeGreaterThan(0);
  }, 20_000);
});
