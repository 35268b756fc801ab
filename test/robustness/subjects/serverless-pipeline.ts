import { Duration, Stack } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { LatencyGate, LatencyGateOptions, PipelineSource, ServerlessPipeline, ServerlessPipelineProps } from '../../../src';
import { createAccessLogBucket, createSecureBucket } from '../../../src/common/secure-bucket';
import type { PropKind } from '../../../src/common/spec';
import { LATENCY_GATE_SPEC, SERVERLESS_PIPELINE_SPEC } from '../../../src/serverless-pipeline/private/spec';
import { ServiceStage } from '../../serverless-pipeline/service-stage';
import { faultableRows, faultyValue, validValue } from '../../support/spec-values';
import { FuzzCase, RobustnessSubject, numberToken } from '../support/subject';

const CONNECTION_ARN = 'arn:aws:codestar-connections:us-east-1:111111111111:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';

interface Gate {
  readonly concurrency?: number;
  readonly requests?: number;
  readonly maxColdStarts?: number;
  readonly maxP99Millis?: number;
  /** Pass the numbers as deploy-time tokens. */
  readonly tokens: boolean;
}
interface StageDraft { readonly manualApproval?: boolean; readonly gate?: Gate }
interface Draft {
  readonly source: 'new-repository' | 'existing-repository' | 'connection' | 's3';
  readonly repositoryName: string;
  readonly branch?: string;
  readonly pipelineName?: string;
  readonly testCommands?: string[];
  readonly selfMutation?: boolean;
  readonly dockerEnabledForSynth?: boolean;
  readonly buildLogRetention?: logs.RetentionDays;
  readonly notificationTopic: boolean;
  readonly stages: StageDraft[];
}

/** The provisioned concurrency of ServiceStage's `live` alias, which every gate probes. */
const SERVICE_PROVISIONED_CONCURRENCY = 2;
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** The values a row accepts (boundaries included). */
const valid = <T>(row: { kind: PropKind }) => validValue(row.kind) as fc.Arbitrary<T>;
const gateRows = LATENCY_GATE_SPEC.rows;
const pipelineRows = SERVERLESS_PIPELINE_SPEC.rows;

const gate: fc.Arbitrary<Gate> = fc.record({
  concurrency: maybe(valid<number>(gateRows.concurrency)),
  requests: maybe(valid<number>(gateRows.requests)),
  maxColdStarts: maybe(valid<number>(gateRows.maxColdStarts)),
  maxP99Millis: maybe(valid<Duration>(gateRows.maxP99).map((d) => d.toMilliseconds())),
  tokens: fc.boolean(),
}).map((g) => {
  // Valid: requests >= concurrency (defaults: the alias's provisioned concurrency, and 100),
  // maxColdStarts <= requests, and concurrency <= the provisioned concurrency while no cold start is allowed.
  const requested = g.requests === undefined ? undefined : Math.max(g.requests, g.concurrency ?? SERVICE_PROVISIONED_CONCURRENCY);
  const maxColdStarts = g.maxColdStarts === undefined ? undefined : g.maxColdStarts % ((requested ?? 100) + 1);
  const concurrency = g.concurrency === undefined || (maxColdStarts ?? 0) > 0
    ? g.concurrency : Math.min(g.concurrency, SERVICE_PROVISIONED_CONCURRENCY);
  const requests = requested ?? (concurrency !== undefined && concurrency > 100 ? concurrency : undefined);
  return { ...g, concurrency, requests, maxColdStarts };
});

const draft: fc.Arbitrary<Draft> = fc.record({
  source: fc.constantFrom<Draft['source']>('new-repository', 'existing-repository', 'connection', 's3'),
  repositoryName: name,
  branch: fc.option(fc.stringMatching(/^[a-z][a-z0-9/._-]{0,20}$/), { nil: undefined }),
  pipelineName: fc.option(name, { nil: undefined }),
  testCommands: fc.option(fc.array(fc.constantFrom('npm test', 'npm run lint', 'npx jest --ci'), { maxLength: 3 }), { nil: undefined }),
  selfMutation: maybe(valid<boolean>(pipelineRows.selfMutation)),
  dockerEnabledForSynth: maybe(valid<boolean>(pipelineRows.dockerEnabledForSynth)),
  buildLogRetention: maybe(valid<logs.RetentionDays>(pipelineRows.buildLogRetention)),
  notificationTopic: fc.boolean(),
  stages: fc.array(
    fc.record({ manualApproval: fc.option(fc.boolean(), { nil: undefined }), gate: fc.option(gate, { nil: undefined }) }),
    { minLength: 1, maxLength: 2 }),
});

/** One fault: a changed draft, an extra gate with bad options or alias name, or a gate on another stage. */
interface Fault {
  readonly prop: string;
  readonly draft?: (d: Draft) => Draft;
  readonly gate?: LatencyGateOptions;
  readonly aliasName?: string;
  readonly otherStage?: boolean;
}

const faults: fc.Arbitrary<Fault> = fc.oneof(
  fc.constantFrom('my pipeline', 'x'.repeat(101), 'a/b').map((pipelineName): Fault => ({ prop: 'pipelineName', draft: (d) => ({ ...d, pipelineName }) })),
  fc.constantFrom(0, 2, 366).map((n): Fault => ({ prop: 'buildLogRetention', draft: (d) => ({ ...d, buildLogRetention: n as logs.RetentionDays }) })),
  fc.constantFrom('has space', 'x'.repeat(101), 'a/b', '')
    .map((repositoryName): Fault => ({ prop: 'repositoryName', draft: (d) => ({ ...d, source: 'new-repository', repositoryName }) })),
  fc.constantFrom('has space', ' ', 'a\tb').map((branch): Fault => ({ prop: 'branch', draft: (d) => ({ ...d, branch }) })),
  fc.constantFrom('no-slash', 'a/b/c', 'a /b')
    .map((repositoryName): Fault => ({ prop: 'repoString', draft: (d) => ({ ...d, source: 'connection', repositoryName }) })),
  // An S3 source with an empty object key, or from a bucket without versioning.
  fc.constantFrom('objectKey', 'bucket').map((prop): Fault => ({ prop, draft: (d) => ({ ...d, source: 's3' }) })),
  // Every gate row with a range: below its minimum, above its maximum, a fraction of its unit (issue 18).
  ...faultableRows(gateRows).map(({ path, kind }) => faultyValue(kind)!.map((v): Fault => ({ prop: path, gate: { [path]: v } }))),
  fc.integer({ min: SERVICE_PROVISIONED_CONCURRENCY + 1, max: 1000 })
    .map((concurrency): Fault => ({ prop: 'concurrency', gate: { concurrency, requests: 100_000, maxColdStarts: 0 } })),
  fc.integer({ min: 2, max: 1000 }).map((concurrency): Fault => ({ prop: 'requests', gate: { concurrency, requests: concurrency - 1 } })),
  fc.integer({ min: 1, max: 1000 }).map((requests): Fault => ({ prop: 'maxColdStarts', gate: { concurrency: 1, requests, maxColdStarts: requests + 1 } })),
  fc.constantFrom('1', '42', 'has space', '$LATEST').map((aliasName): Fault => ({ prop: 'aliasName', aliasName })),
  fc.constant<Fault>({ prop: 'latencyGates', otherStage: true }),
);

function gateOptions(g: Gate): LatencyGateOptions {
  const value = (x: number | undefined) => (x === undefined || !g.tokens ? x : numberToken(x));
  return {
    concurrency: value(g.concurrency),
    requests: value(g.requests),
    maxColdStarts: value(g.maxColdStarts),
    maxP99: g.maxP99Millis === undefined ? undefined : Duration.millis(value(g.maxP99Millis)!),
  };
}

/** A secure source bucket with its access logs; versioned unless the fault is its versioning. */
function sourceBucket(stack: Stack, versioned: boolean): s3.IBucket {
  if (!versioned) return new s3.Bucket(stack, 'Unversioned');
  const accessLogs = createAccessLogBucket(stack, 'SourceLogs', 'fuzz: the source bucket\'s access log destination');
  return createSecureBucket(stack, 'Source', { versioned, serverAccessLogs: { bucket: accessLogs, prefix: 'source/' } });
}

function build(stack: Stack, d: Draft, fault?: Fault): void {
  const branch = d.branch;
  const source = {
    'new-repository': () => PipelineSource.newCodeCommitRepository(d.repositoryName, { branch }),
    'existing-repository': () => PipelineSource.codeCommit(codecommit.Repository.fromRepositoryName(stack, 'Repo', d.repositoryName), branch),
    'connection': () => PipelineSource.connection(
      fault?.prop === 'repoString' ? d.repositoryName : `my-org/${d.repositoryName}`, branch ?? 'main', CONNECTION_ARN),
    's3': () => PipelineSource.s3(sourceBucket(stack, fault?.prop !== 'bucket'), fault?.prop === 'objectKey' ? '' : `source/${d.repositoryName}.zip`),
  }[d.source]();
  const props: ServerlessPipelineProps = {
    source,
    pipelineName: d.pipelineName,
    testCommands: d.testCommands,
    selfMutation: d.selfMutation,
    dockerEnabledForSynth: d.dockerEnabledForSynth,
    buildLogRetention: d.buildLogRetention,
    notificationTopic: d.notificationTopic
      ? new sns.Topic(stack, 'Alerts', { enforceSSL: true, masterKey: new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true }) })
      : undefined,
  };
  const pipeline = new ServerlessPipeline(stack, 'Pipeline', props);
  const stages = d.stages.map((_, i) => new ServiceStage(stack, `Stage${i}`));
  d.stages.forEach((s, i) => {
    const gates = s.gate ? [LatencyGate.forAlias(stages[i].alias, gateOptions(s.gate))] : [];
    if (fault && i === 0) {
      if (fault.gate) gates.push(LatencyGate.forAlias(stages[i].alias, fault.gate));
      if (fault.aliasName) gates.push(LatencyGate.fromOutput(LatencyGate.forAlias(stages[i].alias).functionOutput, fault.aliasName));
      if (fault.otherStage) gates.push(LatencyGate.forAlias(new ServiceStage(stack, 'Elsewhere').alias));
    }
    pipeline.addStage(stages[i], { manualApproval: s.manualApproval, latencyGates: gates });
  });
}

const cases: fc.Arbitrary<FuzzCase> = fc.tuple(draft, fc.option(faults, { nil: undefined, freq: 2 })).map(([d, fault]): FuzzCase => {
  const faulty = fault?.draft ? fault.draft(d) : d;
  return {
    label: `${JSON.stringify(faulty)}${fault ? ` + bad ${fault.prop} ${JSON.stringify(fault.gate ?? fault.aliasName ?? '')}` : ''}`,
    fault: fault?.prop,
    // Logs kept forever have no explicit retention, which cdk-nag reports: the caller's choice.
    nagRules: faulty.buildLogRetention === logs.RetentionDays.INFINITE ? ['Serverless-CloudWatchLogGroupRetentionPeriod'] : undefined,
    build: (stack) => build(stack, faulty, fault),
  };
});

export const subject: RobustnessSubject = {
  name: 'ServerlessPipeline',
  cases,
  configurations: {
    default: (stack) => build(stack, { source: 'new-repository', repositoryName: 'orders', notificationTopic: false, stages: [{}] }),
    fullest: (stack) => build(stack, {
      source: 'connection',
      repositoryName: 'orders',
      branch: 'release',
      pipelineName: 'orders-delivery',
      testCommands: ['npm test', 'npm run lint'],
      selfMutation: true,
      dockerEnabledForSynth: true,
      buildLogRetention: logs.RetentionDays.SIX_MONTHS,
      notificationTopic: true,
      stages: [
        { gate: { maxP99Millis: 500, tokens: false } },
        { manualApproval: true, gate: { concurrency: 2, requests: 200, maxP99Millis: 300, tokens: false } },
      ],
    }),
  },
};
