import * as fc from 'fast-check';
import { decodeLogResult, isColdStart, parseReportLine } from '../../src/cli/log-tail';

// REPORT lines as Lambda writes them (tab-separated, trailing tab).
const WARM = 'REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 13 ms\t'
  + 'Memory Size: 128 MB\tMax Memory Used: 18 MB\t';
const COLD = 'REPORT RequestId: 8f5a1c2e-0b7d-4a52-9a9e-1c3d5e7f9a0b\tDuration: 3.15 ms\tBilled Duration: 4 ms\t'
  + 'Memory Size: 1024 MB\tMax Memory Used: 67 MB\tInit Duration: 156.03 ms\t';
const SNAPSTART = 'REPORT RequestId: 0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f\tDuration: 40.02 ms\tBilled Duration: 41 ms\t'
  + 'Memory Size: 512 MB\tMax Memory Used: 90 MB\tRestore Duration: 312.45 ms\tBilled Restore Duration: 180 ms\t';
const XRAY = `${COLD}\nXRAY TraceId: 1-5e1b4151-5ac6c58f5a5bbeb4f2bfbe5d\tSegmentId: 1a2b3c4d5e6f7a8b\tSampled: true\t`;

const tail = (...lines: string[]) => `START RequestId: x Version: $LATEST\n${lines.join('\n')}\nEND RequestId: x\n`;

describe('parseReportLine', () => {
  test('reads every figure of a warm invocation, without Init Duration', () => {
    expect(parseReportLine(tail(WARM))).toEqual({
      requestId: '3604209a-e9a3-11e6-939a-754dd98c7be3',
      durationMs: 12.34,
      billedDurationMs: 13,
      memorySizeMb: 128,
      maxMemoryUsedMb: 18,
      initDurationMs: undefined,
      restoreDurationMs: undefined,
    });
    expect(isColdStart(parseReportLine(tail(WARM))!)).toBe(false);
  });

  test('an Init Duration marks a cold start, and Duration is not confused with it', () => {
    const report = parseReportLine(tail(COLD))!;
    expect(report.durationMs).toBe(3.15);
    expect(report.billedDurationMs).toBe(4);
    expect(report.initDurationMs).toBe(156.03);
    expect(isColdStart(report)).toBe(true);
  });

  test('a SnapStart Restore Duration also marks a cold start', () => {
    const report = parseReportLine(tail(SNAPSTART))!;
    expect(report.restoreDurationMs).toBe(312.45);
    expect(report.billedDurationMs).toBe(41);
    expect(report.initDurationMs).toBeUndefined();
    expect(isColdStart(report)).toBe(true);
  });

  test('a trailing XRAY line does not hide the REPORT line', () => {
    expect(parseReportLine(XRAY)?.initDurationMs).toBe(156.03);
  });

  test('function output that mentions durations is not taken for the REPORT line', () => {
    const log = tail('2026-11-30T12:00:00Z\tx\tINFO\tInit Duration: 999 ms (just a log message)', WARM);
    const report = parseReportLine(log)!;
    expect(report.durationMs).toBe(12.34);
    expect(report.initDurationMs).toBeUndefined();
  });

  test('a tail without a REPORT line (cut short, or not provided) gives undefined', () => {
    expect(parseReportLine('START RequestId: x Version: $LATEST\nhello\n')).toBeUndefined();
    expect(parseReportLine('')).toBeUndefined();
    expect(parseReportLine('REPORT RequestId: x\tsomething else\n')).toBeUndefined();
  });

  test('CRLF line ends are accepted', () => {
    expect(parseReportLine(tail(COLD).replace(/\n/g, '\r\n'))?.initDurationMs).toBe(156.03);
  });
});

describe('decodeLogResult', () => {
  test('decodes the base64 LogResult of an Invoke response', () => {
    const encoded = Buffer.from(tail(COLD)).toString('base64');
    expect(decodeLogResult(encoded)).toBe(tail(COLD));
    expect(isColdStart(parseReportLine(decodeLogResult(encoded))!)).toBe(true);
  });
});

// A function with `LoggingConfig.LogFormat: JSON` logs one JSON object per line, and its report is a
// `platform.report` record. This one is the example `platform.report` event of the Telemetry API schema
// reference (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html#platform-report),
// which is the record the JSON log format writes for system logs
// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html), plus the
// `status` the PlatformReport object always has; written compact, one record per line, as in the log.
const DOCUMENTED_REPORT = {
  time: '2022-10-12T00:01:15.000Z',
  type: 'platform.report',
  record: {
    metrics: { billedDurationMs: 694, durationMs: 693.92, initDurationMs: 397.68, maxMemoryUsedMB: 84, memorySizeMB: 128 },
    requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
    status: 'success',
  },
};
const jsonTail = (...records: object[]) => `${[
  { time: '2022-10-12T00:01:14.306Z', type: 'platform.start', record: { requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa', version: '$LATEST' } },
  ...records,
].map((r) => JSON.stringify(r)).join('\n')}\n`;
const withMetrics = (metrics: object) => ({ ...DOCUMENTED_REPORT, record: { ...DOCUMENTED_REPORT.record, metrics } });
const WARM_METRICS = { durationMs: 2.41, billedDurationMs: 3, memorySizeMB: 128, maxMemoryUsedMB: 68 };
// ReportMetrics: restoreDurationMs? (SnapStart), https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html#ReportMetrics
const RESTORED_METRICS = { durationMs: 40.02, billedDurationMs: 221, memorySizeMB: 512, maxMemoryUsedMB: 90, restoreDurationMs: 312.45 };

describe('parseReportLine with the JSON log format (platform.report records)', () => {
  test('reads every figure of the documented cold-start record', () => {
    const report = parseReportLine(jsonTail(DOCUMENTED_REPORT));
    expect(report).toEqual({
      requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
      durationMs: 693.92,
      billedDurationMs: 694,
      memorySizeMb: 128,
      maxMemoryUsedMb: 84,
      initDurationMs: 397.68,
      restoreDurationMs: undefined,
    });
    expect(isColdStart(report!)).toBe(true);
  });

  test('a record without initDurationMs is a warm start; one with restoreDurationMs (SnapStart) a cold one', () => {
    const warm = parseReportLine(jsonTail(withMetrics(WARM_METRICS)))!;
    expect(warm).toMatchObject({ durationMs: 2.41, initDurationMs: undefined, restoreDurationMs: undefined });
    expect(isColdStart(warm)).toBe(false);
    const restored = parseReportLine(jsonTail(withMetrics(RESTORED_METRICS)))!;
    expect(restored).toMatchObject({ restoreDurationMs: 312.45, initDurationMs: undefined });
    expect(isColdStart(restored)).toBe(true);
  });

  test("the function's own JSON records, before and in the report's shape, are not taken for it", () => {
    const appLog = { timestamp: '2022-10-12T00:01:14.900Z', level: 'INFO', requestId: 'r', message: 'initDurationMs: 999 (platform.report)' };
    const report = parseReportLine(jsonTail(withMetrics({ ...WARM_METRICS, initDurationMs: 999 }), appLog, withMetrics(WARM_METRICS)))!;
    expect(report.initDurationMs).toBeUndefined();
    expect(parseReportLine(jsonTail(appLog))).toBeUndefined();
  });

  test('a platform.report without a numeric durationMs, or another record type, is no report', () => {
    expect(parseReportLine(jsonTail(withMetrics({ durationMs: '2.41' })))).toBeUndefined();
    expect(parseReportLine(jsonTail({ ...DOCUMENTED_REPORT, type: 'platform.runtimeDone' }))).toBeUndefined();
    expect(parseReportLine(jsonTail({ ...DOCUMENTED_REPORT, record: 'platform.report' }))).toBeUndefined();
  });

  test('a tail whose first line is a cut record still gives the report', () => {
    const full = jsonTail(withMetrics(WARM_METRICS));
    const cut = `${JSON.stringify(withMetrics({ ...WARM_METRICS, initDurationMs: 5 })).slice(20)}\n${full}`;
    expect(parseReportLine(cut)?.initDurationMs).toBeUndefined();
    expect(parseReportLine(cut)?.durationMs).toBe(2.41);
  });
});

/** What `LogType: Tail` returns: the last 4 KB of the log, base64 (cut on a byte, not a line or character). */
const last4Kb = (log: string) => Buffer.from(log, 'utf8').subarray(-4096).toString('base64');

describe('properties over any function output', () => {
  // Whatever the function printed (any text, any length, any characters), the last 4 KB of the log still
  // hold the platform's report, and it is read exactly, in both formats.
  const output = fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 40 });
  const metrics = fc.record({
    durationMs: fc.double({ min: 0, max: 900_000, noNaN: true }).map((v) => Math.round(v * 100) / 100),
    billedDurationMs: fc.integer({ min: 1, max: 900_000 }),
    memorySizeMB: fc.integer({ min: 128, max: 10_240 }),
    maxMemoryUsedMB: fc.integer({ min: 1, max: 10_240 }),
    initDurationMs: fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }).map((v) => Math.round(v * 100) / 100), { nil: undefined }),
  });

  test('JSON format: the report of the tail is the platform.report record', () => {
    fc.assert(fc.property(output, metrics, (lines, m) => {
      const appRecords = lines.map((message) => JSON.stringify({ timestamp: '2022-10-12T00:01:14.900Z', level: 'INFO', requestId: 'r', message }));
      const log = `${[...appRecords, JSON.stringify(withMetrics(m))].join('\n')}\n`;
      const report = parseReportLine(decodeLogResult(last4Kb(log)));
      expect(report).toEqual({
        requestId: DOCUMENTED_REPORT.record.requestId,
        durationMs: m.durationMs,
        billedDurationMs: m.billedDurationMs,
        memorySizeMb: m.memorySizeMB,
        maxMemoryUsedMb: m.maxMemoryUsedMB,
        initDurationMs: m.initDurationMs,
        restoreDurationMs: undefined,
      });
      expect(isColdStart(report!)).toBe(m.initDurationMs !== undefined);
    }));
  });

  test('text format: the report of the tail is the REPORT line', () => {
    fc.assert(fc.property(output, metrics, (lines, m) => {
      // the function's own lines, whatever they print, without a line break of their own
      const appLines = lines.map((l) => `2022-10-12T00:01:14.900Z\tr\tINFO\t${l.replace(/[\r\n]/g, ' ')}`);
      const report = `REPORT RequestId: r\tDuration: ${m.durationMs.toFixed(2)} ms\tBilled Duration: ${m.billedDurationMs} ms\t`
        + `Memory Size: ${m.memorySizeMB} MB\tMax Memory Used: ${m.maxMemoryUsedMB} MB\t`
        + (m.initDurationMs === undefined ? '' : `Init Duration: ${m.initDurationMs.toFixed(2)} ms\t`);
      const log = `START RequestId: r Version: $LATEST\n${appLines.join('\n')}\nEND RequestId: r\n${report}\n`;
      const parsed = parseReportLine(decodeLogResult(last4Kb(log)));
      expect(parsed).toMatchObject({ durationMs: m.durationMs, billedDurationMs: m.billedDurationMs, initDurationMs: m.initDurationMs });
      expect(isColdStart(parsed!)).toBe(m.initDurationMs !== undefined);
    }));
  });
});
