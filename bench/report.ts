/** How a figure is read: a time or a size (lower is better) or a rate (higher is better). */
export type Unit = 'ms' | 's' | 'µs/op' | 'ops/s' | 'B/source' | 'MiB';

const HIGHER_IS_BETTER: ReadonlySet<Unit> = new Set<Unit>(['ops/s']);

/** Whether a figure meets its target; 'info' when it is there to explain another. */
export type Verdict = 'met' | 'missed' | 'info';

/** One line of the results: a figure, the baseline measured beside it, and the target it answers. */
export interface Row {
  workload: string;
  measure: string;
  value: number;
  unit: Unit;
  baseline?: { label: string; value: number };
  target?: string;
  verdict?: Verdict;
}

/**
 * How many times worse than its baseline a figure is: slower, larger, or
 * fewer per second. 1 is as good as the baseline.
 */
export function timesBaseline(row: Row): number | null {
  if (!row.baseline || row.baseline.value === 0 || row.value === 0) return null;
  return HIGHER_IS_BETTER.has(row.unit)
    ? row.baseline.value / row.value
    : row.value / row.baseline.value;
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ops/s':
    case 'B/source':
      return `${grouped.format(value)} ${unit}`;
    case 'µs/op':
      return value >= 1000
        ? `${grouped.format(value)} ${unit}`
        : `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ${unit}`;
    case 's':
      return `${value.toFixed(2)} s`;
    case 'MiB':
      return `${value.toFixed(1)} MiB`;
    case 'ms':
      return value >= 10_000
        ? `${(value / 1000).toFixed(2)} s`
        : `${value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;
  }
}

function cells(row: Row): string[] {
  const ratio = timesBaseline(row);
  return [
    row.workload,
    row.measure,
    formatValue(row.value, row.unit),
    row.baseline ? `${formatValue(row.baseline.value, row.unit)} (${row.baseline.label})` : '',
    ratio === null ? '' : `${ratio.toFixed(2)}×`,
    row.target ?? '',
    row.verdict ?? '',
  ];
}

const HEADER = ['workload', 'measure', 'result', 'baseline', '× baseline', 'target', 'verdict'];

/** A plain-text table for the terminal, columns padded to their widest cell. */
export function formatTable(rows: readonly Row[]): string {
  const lines = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, c) => Math.max(...lines.map((line) => (line[c] ?? '').length)));
  const render = (line: string[]) =>
    line
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(HEADER), rule, ...lines.slice(1).map(render)].join('\n');
}

/** The same rows as a Markdown table, to paste into the benchmark notes. */
export function formatMarkdown(rows: readonly Row[]): string {
  const escapePipes = (cell: string) => cell.replaceAll('|', '\\|');
  const line = (items: string[]) => `| ${items.map(escapePipes).join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...rows.map((row) => line(cells(row)))].join(
    '\n',
  );
}
