import { Duration, Stack } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { LatencyGate, LatencyGateOptions, PipelineSource, ServerlessPipeline, ServerlessPipelineProps } from '../../../src';
import { ServiceStage } from '../../serverless-pipeline/service-stage';
import { FuzzCase, RobustnessSubject, fractionalDuration, numberToken } from '../support/subject';

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
  readonly source: 'new-repository' | 'existing-repository' | 'connection';
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
const gate: fc.Arbitrary<Gate> = fc.record({
  concurrency: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
  requests: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  maxColdStarts: fc.option(fc.nat(), { nil: undefined }),
  maxP99Millis: fc.option(fc.integer({ min: 1, max: 15 * 60_000 }), { nil: undefined }),
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
  source: fc.constantFrom<Draft['source']>('new-repository', 'existing-repository', 'connection'),
  repositoryName: name,
  branch: fc.option(fc.stringMatching(/^[a-z][a-z0-9/._-]{0,20}$/), { nil: undefined }),
  pipelineName: fc.option(name, { nil: undefined }),
  testCommands: fc.option(fc.array(fc.constantFrom('npm test', 'npm run lint', 'npx jest --ci'), { maxLength: 3 }), { nil: undefined }),
  selfMutation: fc.option(fc.boolean(), { nil: undefined }),
  dockerEnabledForSynth: fc.option(fc.boolean(), { nil: undefined }),
  buildLogRetention: fc.option(
    fc.constantFrom(logs.RetentionDays.ONE_MONTH, logs.RetentionDays.SIX_MONTHS, logs.RetentionDays.TEN_YEARS), { nil: undefined }),
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

const outOfRange = (min: number, max: number) => fc.oneof(fc.integer({ min: -1000, max: min - 1 }), fc.integer({ min: max + 1, max: 10_000_000 }));
const faults: fc.Arbitrary<Fault> = fc.oneof(
  fc.constantFrom('has space', 'x'.repeat(101), 'a/b', '')
    .map((repositoryName): Fault => ({ prop: 'repositoryName', draft: (d) => ({ ...d, source: 'new-repository', repositoryName }) })),
  fc.constantFrom('has space', ' ', 'a\tb').map((branch): Fault => ({ prop: 'branch', draft: (d) => ({ ...d, branch }) })),
  fc.constantFrom('no-slash', 'a/b/c', 'a /b')
    .map((repositoryName): Fault => ({ prop: 'repoString', draft: (d) => ({ ...d, source: 'connection', repositoryName }) })),
  outOfRange(1, 1000).map((concurrency): Fault => ({ prop: 'concurrency', gate: { concurrency, requests: 100_000 } })),
  fc.integer({ min: SERVICE_PROVISIONED_CONCURRENCY + 1, max: 1000 })
    .map((concurrency): Fault => ({ prop: 'concurrency', gate: { concurrency, requests: 100_000, maxColdStarts: 0 } })),
  outOfRange(1, 100_000).map((requests): Fault => ({ prop: 'requests', gate: { concurrency: 1, requests } })),
  fc.integer({ min: 2, max: 1000 }).map((concurrency): Fault => ({ prop: 'requests', gate: { concurrency, requests: concurrency - 1 } })),
  fc.integer({ min: 1, max: 1000 }).map((requests): Fault => ({ prop: 'maxColdStarts', gate: { concurrency: 1, requests, maxColdStarts: requests + 1 } })),
  fc.oneof(fc.constant(0), fc.integer({ min: 15 * 60_000 + 1, max: 10_000_000 })).map((ms): Fault => ({ prop: 'maxP99', gate: { maxP99: Duration.millis(ms) } })),
  // In range but not a whole number of milliseconds, what the probe takes (issue 18).
  fractionalDuration('milliseconds', 1, 15 * 60_000).map((maxP99): Fault => ({ prop: 'maxP99', gate: { maxP99 } })),
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

function build(stack: Stack, d: Draft, fault?: Fault): void {
  const branch = d.branch;
  const source = {
    'new-repository': () => PipelineSource.newCodeCommitRepository(d.repositoryName, { branch }),
    'existing-repository': () => PipelineSource.codeCommit(codecommit.Repository.fromRepositoryName(stack, 'Repo', d.repositoryName), branch),
    'connection': () => PipelineSource.connection(
      fault?.prop === 'repoString' ? d.repositoryName : `my-org/${d.repositoryName}`, branch ?? 'main', CONNECTION_ARN),
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
