// I/O-bound map stage: each item is an HTTP GET to a local server on
// 127.0.0.1 that answers after 20 ms. The `concurrency` knob in YAML is the
// only thing that changes between rows; the first row (concurrency 1) is
// the seed's sequential "before".
//
//   npx tsx bench/perf/io-map.ts [--items 2000] [--latency 20]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { machine, ms, runCli, setKnob, stage, table, tempWorkspace, write } from '../lib.js';

const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1] ?? '']));
const ITEMS = Number(args.get('--items') ?? 2000);
const LATENCY = Number(args.get('--latency') ?? 20);

const server = http.createServer((req, res) => {
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, at: Date.now() }));
  }, LATENCY);
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const dir = tempWorkspace('io');
write(
  dir,
  'fetch.mjs',
  `import http from 'node:http';
// node:http with a keep-alive agent: fetch() costs several times more CPU per
// request, and at 1,600 requests a second that CPU is what limits throughput.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
export function* items(ctx) { for (let i = 0; i < ctx.params.n; i++) yield { id: i }; }
export function get(item, ctx) {
  return new Promise((resolve, reject) => {
    const request = http.get(ctx.env.URL + '/item/' + item.id, { agent, signal: ctx.signal }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve({ id: item.id, body: JSON.parse(body) }) : reject(new Error('HTTP ' + response.statusCode))));
    });
    request.on('error', reject);
  });
}
`,
);
write(
  dir,
  'pipelines.yaml',
  `version: 1
pipelines:
  io:
    params: { n: ${ITEMS} }
    stages:
      items:
        run: fetch.mjs#items
        params: [n]
      get:
        run: fetch.mjs#get
        foreach: items
        concurrency: 1
        batchSize: 50
        env: { URL: "\${BENCH_URL}" }
`,
);
const env = { BENCH_URL: url };
await runCli(dir, ['exec', 'io', '--param', 'n=100'], env);

const rows: (string | number)[][] = [];
let at32 = 0;
for (const concurrency of [1, 8, 32, 64]) {
  // Sequential runs need fewer items to finish in reasonable time; throughput is per item.
  const n = concurrency === 1 ? Math.min(ITEMS, 200) : ITEMS;
  setKnob(dir, 'get', 'concurrency', String(concurrency));
  const run = await runCli(dir, ['exec', 'io', '--param', `n=${n}`, '--force=get'], env);
  const get = stage(run.record, 'get');
  const perSecond = (n / (get.durationMs ?? 1)) * 1000;
  const ideal = (concurrency / LATENCY) * 1000;
  if (concurrency === 32) at32 = perSecond / ideal;
  rows.push([
    concurrency === 1 ? 'before: concurrency 1 (sequential)' : `concurrency ${concurrency}`,
    n,
    ms(get.durationMs ?? 0),
    `${perSecond.toFixed(0)}/s`,
    `${ideal.toFixed(0)}/s`,
    `${((perSecond / ideal) * 100).toFixed(0)}%`,
  ]);
}
server.close();

console.log(`## I/O-bound map stage (HTTP GET, ${LATENCY} ms latency, local server on 127.0.0.1)

${table(['concurrency (YAML knob)', 'items', 'stage time', 'throughput', 'ideal (concurrency / latency)', 'of ideal'], rows)}

- At \`concurrency: 32\`: **${(at32 * 100).toFixed(0)}%** of 32 / ${LATENCY} ms (target >= 80%).

Machine: ${machine()}. Command: \`npx tsx bench/perf/io-map.ts --items ${ITEMS} --latency ${LATENCY}\`.
`);
