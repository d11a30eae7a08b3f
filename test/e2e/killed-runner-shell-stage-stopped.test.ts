// A runner killed with SIGKILL cannot stop its shell stages (each runs in a
// process group of its own), and a command that prints nothing does not
// notice. The next run must stop such a leftover before it runs the stage
// again: else both write the output, and the run records what the leftover
// wrote after it.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, outcomes, runAndSignal, waitFor, Workspace } from './rig.js';

// Held (while `hold` exists) until the test writes `go`, silent all along, then writes a stale output.
// It says it is held once the runner has noted its group (a runner without that note goes on after 100 turns).
const STAGE = `mkdir -p out
if [ -f hold ]; then
  i=0
  while ! ls .runner/groups/*-$$ >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
  echo $$ > held.pid
  while [ ! -f go ]; do sleep 0.02; done
  echo stale > out/x.txt
  exit 0
fi
cat in.txt > out/x.txt
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      s: { shell: "sh stage.sh", inputs: [in.txt, stage.sh], outputs: [out/x.txt] }
`;

describe('a shell stage left running by a runner killed with SIGKILL', () => {
  const made: Workspace[] = [];
  afterEach(() => {
    for (const ws of made.splice(0)) {
      ws.write('go', '');
      ws.remove();
    }
  });

  it('is stopped by the next run before that run writes the output', async () => {
    const ws = new Workspace('runner-left-group-');
    made.push(ws);
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('stage.sh', STAGE);
    ws.write('in.txt', 'fresh\n');
    ws.write('hold', '');
    const killed = await runAndSignal(ws, ['exec', 'p', '--json'], { whenExists: 'held.pid', signal: 'SIGKILL' });
    expect(killed.code).toBeNull();
    const left = Number(ws.read('held.pid').trim());
    expect(isAlive(left)).toBe(true);

    fs.rmSync(ws.path('hold'));
    const rerun = await ws.run(['exec', 'p', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(outcomes(rerun.events)).toEqual({ s: 'ran' });
    expect(isAlive(left), 'the killed run’s command still runs after the rerun').toBe(false);

    // Released, a leftover would now write over the output the rerun recorded.
    ws.write('go', '');
    await waitFor(() => (isAlive(left) ? undefined : true), 10_000, 'the leftover command to end');
    expect(ws.read('out/x.txt')).toBe('fresh\n');
    const again = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(again.events)).toEqual({ s: 'cached' });
    expect(fs.readdirSync(ws.path('.runner', 'groups')), 'a group noted and never forgotten').toEqual([]);
  }, 60_000);
});
