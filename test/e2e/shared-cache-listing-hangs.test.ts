// A shared store that stops answering in the middle of `runner cache stats
// --shared` (a hung server; here a proxy in front of a real Redis that
// forwards everything until the listing's first SCAN, and nothing after):
// the listing, like every other command, gives up after the command
// deadline (10 s) and says so, rather than hold the command for ever.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { oneStageFiles, sharedCacheRig } from './shared-cache-rig.js';

/** A TCP proxy to `target` (host:port) that stops forwarding, both ways, once a client sends a SCAN. */
async function proxyUntilScan(target: URL): Promise<{ url: string; scans: () => number; close: () => Promise<void> }> {
  const sockets: net.Socket[] = [];
  let scans = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.push(client, upstream);
    let isHeld = false;
    client.on('data', (bytes: Buffer) => {
      if (bytes.includes('\r\nSCAN\r\n') || bytes.includes('\r\nscan\r\n')) {
        isHeld = true;
        scans++;
      }
      if (!isHeld) upstream.write(bytes);
    });
    upstream.on('data', (bytes: Buffer) => {
      if (!isHeld) client.write(bytes);
    });
    for (const socket of [client, upstream]) socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    scans: () => scans,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a shared store that stops answering while cache stats --shared lists it', () => {
  const rig = sharedCacheRig('redis');
  let proxy: Awaited<ReturnType<typeof proxyUntilScan>> | undefined;
  afterEach(async () => {
    await proxy?.close();
  });

  it('is given up after the command deadline, saying so', async () => {
    const maker = rig.machine(oneStageFiles());
    expect((await maker.run(['exec', 'p'], { env: { RUNNER_CACHE_URL: rig.url() } })).code).toBe(0);
    proxy = await proxyUntilScan(new URL(rig.url()));
    const stats = await maker.run(['cache', 'stats', '--shared'], { env: { RUNNER_CACHE_URL: proxy.url } });
    expect(proxy.scans()).toBeGreaterThan(0);
    expect(stats.stderr).toContain(`cache store ${proxy.url}: listing entries failed: no answer within 10 s`);
  }, 40_000);
});
