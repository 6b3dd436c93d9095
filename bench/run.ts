import { performance } from 'node:perf_hooks';
import { parseArgs, USAGE } from './args.js';
import { describeMachine } from './machine.js';
import { formatMarkdown, formatTable, type Row } from './report.js';
import type { BenchContext } from './workload.js';
import { WORKLOADS } from './workloads/index.js';

/**
 * `npm run bench`: runs the workloads one after another in this process and
 * prints every figure beside the baseline measured with it.
 */
async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return console.log(USAGE);
  if (args.list) {
    for (const w of WORKLOADS) console.log(`${w.name.padEnd(12)} ${w.description}`);
    return;
  }
  const unknown = args.only.filter((name) => !WORKLOADS.some((w) => w.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `no workload named ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.name).join(', ')}`,
    );
  }
  const chosen = WORKLOADS.filter((w) => args.only.length === 0 || args.only.includes(w.name));
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`;
  const context: BenchContext = {
    quick: args.quick,
    progress: (message) => process.stderr.write(`[${elapsed()}] ${message}\n`),
  };
  console.log(describeMachine());
  console.log(args.quick ? 'scale: --quick (a tenth of the data)\n' : 'scale: full\n');
  const rows: Row[] = [];
  for (const workload of chosen) {
    context.progress(`${workload.name}: start`);
    const mine = await workload.run(context);
    rows.push(...mine);
    console.log(`${formatTable(mine)}\n`);
  }
  context.progress(`done`);
  if (chosen.length > 1) console.log(`All results\n\n${formatTable(rows)}\n`);
  if (args.markdown) console.log(`${formatMarkdown(rows)}\n`);
  console.log(`${describeMachine().split('\n').at(-1)} (at the end)`);
  // maxRSS is in KiB: the peak tells whether the default heap limit is enough.
  const peak = process.resourceUsage().maxRSS / 2 ** 20;
  console.log(`peak resident memory: ${peak.toFixed(2)} GiB, ${elapsed().trim()} in all`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
