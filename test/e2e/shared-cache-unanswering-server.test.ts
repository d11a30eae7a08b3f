// A shared store (Redis, PostgreSQL) that accepts the connection but never
// answers (a hung server, a proxy with nothing behind it) costs the run the
// connect timeout (2 s), one warning and the sharing: never the run itself.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { redact } from '../../src/cache/store.js';
import { outcomes, Workspace } from './rig.js';
import { oneStageFiles } from './shared-cache-rig.js';

const URLS = {
  redis: (port: number) => `redis://127.0.0.1:${port}`,
  postgres: (port: number) => `postgres://runner:never-shown@127.0.0.1:${port}/postgres`,
};

describe.each(Object.entries(URLS))('a shared store (%s) that never answers', (_backend, urlOf) => {
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
    for (const [file, content] of Object.entries(oneStageFiles())) ws.write(file, content);
    const env = { RUNNER_CACHE_URL: urlOf(port) };
    const started = Date.now();
    const run = await ws.run(['exec', 'p', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(outcomes(run.events)).toEqual({ make: 'ran' });
    expect(run.stderr).toContain(
      'warning: shared cache unavailable, using the local cache only: ' +
        `cannot connect to ${redact(urlOf(port))}: no answer within 2 s; check that the server is up and the URL is right`,
    );
    expect(run.stderr.match(/warning/g)).toHaveLength(1);
    expect(run.stderr).not.toContain('never-shown');
    expect(sockets.length).toBeGreaterThan(0);
  }, 20_000);
});
