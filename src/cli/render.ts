import { formatMs } from './options';
import { ProbeReport, QualifierReport } from './report';
import { Summary } from './statistics';
import { ThresholdCheck } from './thresholds';

const DASH = '-';
const ms = (v: number | undefined) => (v === undefined ? DASH : `${v.toFixed(1)} ms`);
const stat = (s: Summary | undefined, key: keyof Summary) => ms(s?.[key]);

function provisionedCounts(r: QualifierReport): string {
  const pc = r.provisionedConcurrency;
  return pc.requested === undefined ? DASH : `${pc.requested}/${pc.allocated ?? DASH}/${pc.available ?? DASH}`;
}

/** Rows of the table: a label, then one cell per qualifier (qualifiers side by side). */
const ROWS: [string, (r: QualifierReport) => string][] = [
  ['Provisioned concurrency', (r) => r.provisionedConcurrency.status],
  ['  requested/allocated/available', provisionedCounts],
  ['Requests', (r) => String(r.requests)],
  ['Succeeded', (r) => String(r.succeeded)],
  ['Function errors', (r) => String(r.functionErrors)],
  ['Throttles', (r) => String(r.throttles)],
  ['Other errors', (r) => String(r.errors)],
  ['Error rate', (r) => (r.errorRate === undefined ? DASH : `${(r.errorRate * 100).toFixed(2)}%`)],
  ['Cold starts', (r) => (r.withoutReportLine > 0 ? `${r.coldStarts} (+${r.withoutReportLine} unknown)` : String(r.coldStarts))],
  ['Latency min', (r) => stat(r.latencyMs, 'min')],
  ['Latency p50', (r) => stat(r.latencyMs, 'p50')],
  ['Latency p90', (r) => stat(r.latencyMs, 'p90')],
  ['Latency p99', (r) => stat(r.latencyMs, 'p99')],
  ['Latency max', (r) => stat(r.latencyMs, 'max')],
  ['Function duration p50', (r) => stat(r.durationMs, 'p50')],
  ['Billed duration p50', (r) => stat(r.billedDurationMs, 'p50')],
  ['Init duration p50', (r) => stat(r.initDurationMs, 'p50')],
  ['Max memory used', (r) => (r.maxMemoryUsedMb === undefined ? DASH : `${r.maxMemoryUsedMb}/${r.memorySizeMb ?? '?'} MB`)],
];

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

function plan(report: ProbeReport): string {
  const load = report.requestsPerQualifier !== undefined
    ? `${report.requestsPerQualifier} requests per qualifier`
    : `${formatMs(report.durationMs ?? 0)} per qualifier`;
  // An endpoint the user did not type on this command line is named with where it came from.
  const source = report.endpointSource && report.endpointSource !== '--endpoint-url' ? ` from ${report.endpointSource}` : '';
  const where = report.endpoint ? `${report.region} via ${report.endpoint}${source}` : report.region;
  return `Latency probe of ${report.functionName} (${where}): ${load}, concurrency ${report.concurrency}, ` +
    `took ${(report.elapsedMs / 1000).toFixed(1)} s`;
}

/** The human-readable report. */
export function renderTable(report: ProbeReport, checks: readonly ThresholdCheck[]): string {
  const lines = [plan(report)];
  if (report.interrupted) {
    lines.push('Interrupted: this is a partial report of the requests completed so far.');
  }
  lines.push('', table([
    ['', ...report.qualifiers.map((q) => q.qualifier)],
    ...ROWS.map(([label, cell]) => [label, ...report.qualifiers.map(cell)]),
  ]));
  for (const q of report.qualifiers) {
    if (q.aborted > 0) {
      lines.push('', `${q.qualifier}: ${q.aborted} requests still in flight were abandoned`);
    }
    if (q.topErrors.length > 0) {
      lines.push('', `Errors of ${q.qualifier}:`);
      lines.push(...q.topErrors.map((e) => `  ${e.count} x ${e.code}: ${e.message}`));
    }
  }
  if (checks.length > 0) {
    lines.push('', 'Thresholds:');
    const width = Math.max(...checks.map((c) => c.qualifier.length));
    lines.push(...checks.map((c) => `  ${c.passed ? 'PASS' : 'FAIL'}  ${c.qualifier.padEnd(width)}  ${c.option}: ${c.detail}`));
    const broken = checks.filter((c) => !c.passed).length;
    lines.push('', broken === 0 ? 'All thresholds met.' : `${broken} of ${checks.length} thresholds broken.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The machine-readable report (`--json`), for CI. */
export function renderJson(report: ProbeReport, checks: readonly ThresholdCheck[]): string {
  // Milliseconds to the microsecond: the clock's own resolution, without 15 digits of float noise.
  const round = (_key: string, value: unknown) =>
    (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value);
  return `${JSON.stringify({ ...report, thresholds: checks, passed: checks.every((c) => c.passed) }, round, 2)}\n`;
}
