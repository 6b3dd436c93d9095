import os from 'node:os';
import { getHeapStatistics } from 'node:v8';

/** The machine and runtime a run measured, printed above its figures. */
export function describeMachine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  const heapLimit = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  const load = os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  return [
    `${cpus.length} × ${model}, ${memory} GiB RAM, ${os.platform()} ${os.release()}`,
    `Node ${process.version}, V8 ${process.versions.v8}, heap limit ${heapLimit} MiB, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}`,
    `load average (1, 5, 15 min): ${load}`,
  ].join('\n');
}
