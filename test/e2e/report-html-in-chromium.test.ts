// Opens the HTML report of a real run in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) with the network cut off:
// the DAG and the timeline must draw, with no console errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, Workspace } from './rig.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      a: { shell: "sleep 0.2; cat in/a.txt > a.out", inputs: [in/a.txt], outputs: [a.out] }
      b: { shell: "sleep 0.3; cat in/b.txt > b.out", inputs: [in/b.txt], outputs: [b.out] }
      c: { needs: [a, b], shell: "cat a.out b.out > c.out", outputs: [c.out] }
      d: { needs: [c], shell: "echo 'cannot publish: no credentials' >&2; exit 1" }
`;

describe('HTML report in a real browser', () => {
  let ws: Workspace | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  afterEach(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    ws?.remove();
  });

  it('draws the DAG (a node per stage) and the timeline (a bar per stage that did work) without errors', async () => {
    expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    ws = new Workspace('runner-report-');
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('in/a.txt', 'a\n');
    ws.write('in/b.txt', 'b\n');
    expect((await ws.run(['exec', 'p', '--keep-going'])).code).toBe(1);
    ws.write('in/b.txt', 'b, edited\n');
    const run = await ws.run(['exec', 'p', '--keep-going', '--report', 'out/run.html']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`report: ${path.join('out', 'run.html')}`);

    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1200, height: 900 },
    });
    const problems: string[] = [];
    const requests: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await page.goto(pathToFileURL(ws.path('out', 'run.html')).href);

    const nodes = page.locator('#dag g.node');
    expect(await nodes.count()).toBe(4);
    expect(
      await nodes.evaluateAll((els) =>
        els.map((el) => `${el.getAttribute('data-stage')}=${el.getAttribute('data-outcome')}`),
      ),
    ).toEqual(['p/a=cached', 'p/b=ran', 'p/c=ran', 'p/d=failed']);
    // a was a cache hit: only b, c and d did work.
    const bars = page.locator('#timeline rect.bar');
    expect(await bars.count()).toBe(3);
    const boxes = await Promise.all([0, 1, 2].map((i) => bars.nth(i).boundingBox()));
    for (const box of boxes) expect(box?.width ?? 0).toBeGreaterThan(0);
    expect(await bars.evaluateAll((els) => els.map((el) => el.getAttribute('data-stage')))).toEqual([
      'p/b',
      'p/c',
      'p/d',
    ]);
    // c starts after b ends, d after c: the bars move right.
    const [b, c, d] = boxes;
    expect((b?.x ?? 0) < (c?.x ?? 0) && (c?.x ?? 0) < (d?.x ?? 0)).toBe(true);
    for (const box of await Promise.all([
      page.locator('#dag').boundingBox(),
      page.locator('#timeline').boundingBox(),
    ])) {
      expect((box?.width ?? 0) * (box?.height ?? 0)).toBeGreaterThan(0);
    }
    // innerText: the text as a person sees it rendered, which is what is tested here.
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
    expect(await page.locator('#failures-section').innerText()).toContain('cannot publish: no credentials');
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
    expect(await page.locator('#reasons-section').innerText()).toContain('changed  in/b.txt');

    // Pointing at a node highlights its bar: the script ran.
    await nodes.nth(1).hover();
    expect(await bars.nth(0).getAttribute('class')).toContain('hl');

    fs.mkdirSync(path.join(REPO, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(REPO, 'test-results', 'report.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  }, 90_000);
});
