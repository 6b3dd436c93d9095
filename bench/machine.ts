import { readdirSync, readFileSync } from 'node:fs';
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

/** /proc counts CPU time in clock ticks of 1/100 s (USER_HZ) on every Linux. */
const MS_PER_TICK = 10;

/**
 * The CPU time, user and system, in milliseconds, that this machine's
 * running processes named `name` have used so far: read from /proc, so
 * Linux only, and only a server on this machine; NaN where none is found.
 * Read before and after a run, the difference is what the server spent on
 * it, as long as its processes live through the run (pooled connections do).
 */
export function processCpuMs(name: string): number {
  let ticks = 0;
  let found = false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return Number.NaN;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended since the listing
    }
    // The name sits in parentheses and may hold spaces; the fields after it are plain.
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== name) continue;
    const fields = stat.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    ticks += Number(fields[11]) + Number(fields[12]);
    found = true;
  }
  return found ? ticks * MS_PER_TICK : Number.NaN;
}
