// The floor of any runner written for Node on the peers workload: it starts
// every stage's command as make's recipe does (`sh tools/stage.sh CHAIN K`),
// at most --jobs at once, each chain in order, and does nothing else: no
// hashing, no cache, no records. Run in a peers workspace:
//   node bench/peers/spawn-only.cjs [jobs] [chain length]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');

const jobs = Number(process.argv[2] ?? 2);
const chainLength = Number(process.argv[3] ?? 5);
const ready = fs
  .readdirSync('chains')
  .sort()
  .map((chain) => [chain, 1]);
let running = 0;

function startReady() {
  while (running < jobs && ready.length > 0) {
    const [chain, k] = ready.shift();
    running++;
    const child = spawn('sh', ['tools/stage.sh', `chains/${chain}`, String(k)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.resume();
    child.stderr.resume();
    child.on('close', (code) => {
      if (code !== 0) process.exitCode = 1;
      running--;
      if (k < chainLength) ready.push([chain, k + 1]);
      startReady();
    });
  }
}
startReady();
