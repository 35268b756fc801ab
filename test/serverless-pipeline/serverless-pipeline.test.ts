import * as path from 'path';
import { App, CfnOutput, CfnParameter, Annotations as CdkAnnotations, Duration, Lazy, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline_actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { ServiceStage, arnOf, build, buildSpec, gatePolicy, newPipeline, pipelineAction, pipelineStages } from './fixtures';
import { LatencyGate, PipelineSource, ProvisionedFunction, ServerlessPipeline } from '../../src';
import { acknowledgeNagRule } from '../../src/common/nag';
import { createAccessLogBucket, createSecureBucket } from '../../src/common/secure-bucket';
import { createSecureFunction } from '../../src/common/secure-function';
import { expectWholeDurationProp } from '../support/durations';
import { expectCleanStack, nagFindings } from '../support/quality-gates';

const CONNECTION_ARN = 'arn:aws:codestar-connections:us-east-1:111111111111:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';

/** A versioned source bucket as a careful app defines one: secure, its access logs in a second bucket. */
function sourceBucket(scope: Stack): s3.Bucket {
  const accessLogs = createAccessLogBucket(scope, 'SourceLogs', 'test: the source bucket\'s access log destination');
  return createSecureBucket(scope, 'Source', { versioned: true, serverAccessLogs: { bucket: accessLogs, prefix: 'source/' } });
}

/** The configuration of the pipeline's only Source action. */
function sourceAction(t: Template): any {
  const stages = Object.values(t.findResources('AWS::CodePipeline::Pipeline'))[0].Properties.Stages;
  expect(stages[0].Actions).toHaveLength(1);
  return stages[0].Actions[0];
}

describe('ServerlessPipeline defaults', () => {
  test('stages in order: source, build (synth), self-mutation, then the added stage', () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    expect(pipelineStages(build(stack, pipeline))).toEqual([
      ['Source', [['token', 1]]],
      ['Build', [['Synth', 1]]],
      ['UpdatePipeline', [['SelfMutate', 1]]],
      ['Beta', [['Prepare', 1], ['Deploy', 2]]],
    ]);
  });

  test('synth step: npm ci, then npm test, then npx cdk synth, cdk.out as the cloud assembly', () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const spec = buildSpec(build(stack, pipeline), 'Build/Synth');
    expect(spec.phases).toEqual({ install: { commands: ['npm ci'] }, build: { commands: ['npm test', 'npx cdk synth'] } });
    expect(spec.artifacts).toEqual({ 'base-directory': 'cdk.out', 'files': '**/*' });
  });

  test('a V2 pipeline whose artifact store is the KMS-encrypted artifact bucket', () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const t = build(stack, pipeline);
    t.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      PipelineType: 'V2',
      ArtifactStore: {
        Type: 'S3',
        Location: { Ref: stack.getLogicalId(pipeline.artifactBucket.node.defaultChild as any) },
        EncryptionKey: { Type: 'KMS', Id: { 'Fn::GetAtt': [stack.getLogicalId(pipeline.artifactKey.node.defaultChild as any), 'Arn'] } },
      },
    });
  });

  test('artifact bucket: KMS key with rotation, public access blocked, TLS enforced, server access logs', () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const t = build(stack, pipeline);
    const keyId = stack.getLogicalId(pipeline.artifactKey.node.defaultChild as any);
    const bucketId = stack.getLogicalId(pipeline.artifactBucket.node.defaultChild as any);
    const logsId = stack.getLogicalId(pipeline.accessLogsBucket.node.defaultChild as any);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.resourceCountIs('AWS::KMS::Key', 1);
    expect(t.toJSON().Resources[bucketId].Properties).toEqual(expect.objectContaining({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'artifacts/' },
    }));
    for (const id of [bucketId, logsId]) {
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  test('every CodeBuild project logs to the build log group, kept one year; none is privileged', () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'), { latencyGates: [] });
    const t = build(stack, pipeline);
    const projects = Object.values(t.findResources('AWS::CodeBuild::Project'));
    expect(projects.length).toBeGreaterThanOrEqual(2);
    for (const p of projects) {
      expect(p.Properties.LogsConfig).toEqual({ CloudWatchLogs: { GroupName: { Ref: stack.getLogicalId(pipeline.buildLogGroup.node.defaultChild as any) }, Status: 'ENABLED' } });
      expect(p.Properties.Environment.PrivilegedMode).toBe(false);
    }
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('the quick-start source: a new CodeCommit repository, branch main, exposed as repository', () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const t = build(stack, pipeline);
    t.hasResourceProperties('AWS::CodeCommit::Repository', { RepositoryName: 'my-service' });
    expect(pipeline.repository).toBeInstanceOf(codecommit.Repository);
    const source = Object.values(t.findResources('AWS::CodePipeline::Pipeline'))[0].Properties.Stages[0].Actions[0];
    expect(source.ActionTypeId).toEqual({ Category: 'Source', Owner: 'AWS', Provider: 'CodeCommit', Version: '1' });
    expect(source.Configuration).toEqual(expect.objectContaining({ BranchName: 'main', PollForSourceChanges: false }));
  });

  test('a new CodeCommit repository warns that CodeCommit is closed to new customers; the other sources do not', () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    build(stack, pipeline);
    Annotations.fromStack(stack).hasWarning('/PipelineStack/Pipeline', Match.stringLikeRegexp(
      "newCodeCommitRepository\\('my-service'\\): AWS CodeCommit is closed to new customers .*PipelineSource.connection.*\\[ack: cdk-serverless-patterns:PipelineSource:codeCommitClosedToNewCustomers\\]"));
    const sources: Array<(scope: Stack) => PipelineSource> = [
      () => PipelineSource.connection('my-org/my-service', 'main', CONNECTION_ARN),
      (scope) => PipelineSource.codeCommit(codecommit.Repository.fromRepositoryName(scope, 'Repo', 'existing')),
      (scope) => PipelineSource.s3(sourceBucket(scope), 'source/app.zip'),
    ];
    // Acknowledged by id, the warning goes away.
    CdkAnnotations.of(pipeline).acknowledgeWarning('cdk-serverless-patterns:PipelineSource:codeCommitClosedToNewCustomers');
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('CodeCommit is closed'));
    for (const source of sources) {
      const otherApp = new App();
      const otherStack = new Stack(otherApp, 'PipelineStack');
      const other = new ServerlessPipeline(otherStack, 'Pipeline', { source: source(otherStack) });
      other.addStage(new ServiceStage(otherApp, 'Beta'));
      build(otherStack, other);
      Annotations.fromStack(otherStack).hasNoWarning('*', Match.stringLikeRegexp('CodeCommit is closed'));
    }
  });

  test('cdk-nag and cfn-lint clean (quick-start source, one stage)', async () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    build(stack, pipeline);
    await expectCleanStack(stack);
  });
});

describe('ServerlessPipeline overrides', () => {
  test('install, test and synth commands and the output directory', () => {
    const { app, stack, pipeline } = newPipeline({
      installCommands: ['npm ci --ignore-scripts'],
      testCommands: ['npm run lint', 'npm test -- --ci'],
      synthCommands: ['cd infra && npx cdk synth'],
      primaryOutputDirectory: 'infra/cdk.out',
    });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const spec = buildSpec(build(stack, pipeline), 'Build/Synth');
    expect(spec.phases).toEqual({
      install: { commands: ['npm ci --ignore-scripts'] },
      build: { commands: ['npm run lint', 'npm test -- --ci', 'cd infra && npx cdk synth'] },
    });
    expect(spec.artifacts['base-directory']).toBe('infra/cdk.out');
  });

  test('an existing CodeCommit repository and branch', () => {
    const app = new App();
    const stack = new Stack(app, 'PipelineStack');
    const repository = codecommit.Repository.fromRepositoryName(stack, 'Repo', 'existing');
    const pipeline = new ServerlessPipeline(stack, 'Pipeline', { source: PipelineSource.codeCommit(repository, 'release') });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const t = build(stack, pipeline);
    t.resourceCountIs('AWS::CodeCommit::Repository', 0);
    expect(pipeline.repository).toBe(repository);
    expect(pipelineAction(t, 'Source', 'existing').Configuration).toEqual(expect.objectContaining({ RepositoryName: 'existing', BranchName: 'release' }));
  });

  test('a CodeStar connection', () => {
    const { app, stack, pipeline } = newPipeline({ source: PipelineSource.connection('my-org/my-service', 'trunk', CONNECTION_ARN) });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const t = build(stack, pipeline);
    expect(pipeline.repository).toBeUndefined();
    const action = pipelineAction(t, 'Source', 'my-org_my-service');
    expect(action.ActionTypeId.Provider).toBe('CodeStarSourceConnection');
    expect(action.Configuration).toEqual(expect.objectContaining({ FullRepositoryId: 'my-org/my-service', BranchName: 'trunk', ConnectionArn: CONNECTION_ARN }));
  });

  test('an S3 object, polled by default', () => {
    const app = new App();
    const stack = new Stack(app, 'PipelineStack');
    const bucket = sourceBucket(stack);
    const pipeline = new ServerlessPipeline(stack, 'Pipeline', { source: PipelineSource.s3(bucket, 'source/app.zip') });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const t = build(stack, pipeline);
    expect(pipeline.repository).toBeUndefined();
    const action = sourceAction(t);
    expect(action.ActionTypeId).toEqual({ Category: 'Source', Owner: 'AWS', Provider: 'S3', Version: '1' });
    expect(action.Configuration).toEqual({ S3Bucket: stack.resolve(bucket.bucketName), S3ObjectKey: 'source/app.zip', PollForSourceChanges: true });
    t.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('an S3 object with S3Trigger.EVENTS: a rule on the CloudTrail writes of that key starts the pipeline, no polling', () => {
    const app = new App();
    const stack = new Stack(app, 'PipelineStack');
    const bucket = sourceBucket(stack);
    const pipeline = new ServerlessPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3(bucket, 'source/app.zip', { trigger: codepipeline_actions.S3Trigger.EVENTS }),
    });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const t = build(stack, pipeline);
    expect(sourceAction(t).Configuration).toEqual(expect.objectContaining({ S3ObjectKey: 'source/app.zip', PollForSourceChanges: false }));
    t.resourceCountIs('AWS::Events::Rule', 1);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': {
          eventName: ['CompleteMultipartUpload', 'CopyObject', 'PutObject'],
          requestParameters: { bucketName: [stack.resolve(bucket.bucketName)], key: ['source/app.zip'] },
        },
      },
      Targets: [Match.objectLike({ Arn: Match.anyValue() })],
    });
    // The rule is the bucket's child, and its missing DLQ acknowledged with its own reason.
    const rule = bucket.node.findAll().find((c) => c instanceof events.Rule)!;
    expect(rule.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data))
      .toEqual([{ 'annotation::Serverless-EventBusDLQ': expect.stringContaining('starts the pipeline on an upload of the source object') }]);
  });

  test('an S3 object with S3Trigger.NONE: no polling and no rule (manual starts only)', () => {
    const app = new App();
    const stack = new Stack(app, 'PipelineStack');
    const pipeline = new ServerlessPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3(sourceBucket(stack), 'app.zip', { trigger: codepipeline_actions.S3Trigger.NONE }),
    });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const t = build(stack, pipeline);
    expect(sourceAction(t).Configuration).toEqual(expect.objectContaining({ S3ObjectKey: 'app.zip', PollForSourceChanges: false }));
    t.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('self-mutation off removes the UpdatePipeline stage', () => {
    const { app, stack, pipeline } = newPipeline({ selfMutation: false });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    expect(pipelineStages(build(stack, pipeline)).map(([s]) => s)).toEqual(['Source', 'Build', 'Beta']);
  });

  test('docker for synth makes only the synth project privileged', () => {
    const { app, stack, pipeline } = newPipeline({ dockerEnabledForSynth: true });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    const t = build(stack, pipeline);
    const privileged = Object.values(t.findResources('AWS::CodeBuild::Project'))
      .filter((p: any) => p.Properties.Environment.PrivilegedMode).map((p: any) => p.Properties.Description);
    expect(privileged).toEqual([expect.stringMatching(/\/Build\/Synth$/)]);
  });

  test('build log retention', () => {
    const { app, stack, pipeline } = newPipeline({ buildLogRetention: logs.RetentionDays.THREE_MONTHS });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    build(stack, pipeline).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('notification topic: failed executions and waiting approvals', () => {
    const app = new App();
    const stack = new Stack(app, 'PipelineStack');
    const topic = new sns.Topic(stack, 'Alerts');
    const pipeline = new ServerlessPipeline(stack, 'Pipeline', { source: PipelineSource.newCodeCommitRepository('svc'), notificationTopic: topic });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    build(stack, pipeline).hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed', 'codepipeline-pipeline-manual-approval-needed'],
      Targets: [{ TargetType: 'SNS', TargetAddress: { Ref: stack.getLogicalId(topic.node.defaultChild as any) } }],
    });
  });

  test('no notification rule by default', () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    build(stack, pipeline).resourceCountIs('AWS::CodeStarNotifications::NotificationRule', 0);
  });

  test('pipeline name', () => {
    const { app, stack, pipeline } = newPipeline({ pipelineName: 'my-service-delivery' });
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    build(stack, pipeline).hasResourceProperties('AWS::CodePipeline::Pipeline', { Name: 'my-service-delivery' });
  });
});

describe('stages', () => {
  test('a manual approval runs before the stage deploys; stages deploy in the order added', () => {
    const { app, stack, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Beta'));
    pipeline.addStage(new ServiceStage(app, 'Prod'), { manualApproval: true });
    const t = build(stack, pipeline);
    expect(pipelineStages(t).slice(3)).toEqual([
      ['Beta', [['Prepare', 1], ['Deploy', 2]]],
      ['Prod', [['ManualApproval', 1], ['Service.Prepare', 2], ['Service.Deploy', 3]]],
    ]);
    const approval = pipelineAction(t, 'Prod', 'ManualApproval');
    expect(approval.ActionTypeId).toEqual({ Category: 'Approval', Owner: 'AWS', Provider: 'Manual', Version: '1' });
    expect(approval.Configuration).toEqual({ CustomData: 'Approve the deployment of Prod' });
  });

  test('addStage returns the CDK Pipelines stage deployment, and passes pre/post steps through', () => {
    const { app, stack, pipeline } = newPipeline();
    const stage = new ServiceStage(app, 'Beta');
    const deployment = pipeline.addStage(stage, { manualApproval: true, post: [new pipelines.ShellStep('Smoke', { commands: ['curl -f https://example.com'] })] });
    expect(deployment.stageName).toBe('Beta');
    expect(deployment.pre.map((s) => s.id)).toEqual(['ManualApproval']);
    expect(pipelineStages(build(stack, pipeline))[3]).toEqual(
      ['Beta', [['ManualApproval', 1], ['Service.Prepare', 2], ['Service.Deploy', 3], ['Smoke', 4]]],
    );
  });
});

describe('latency gates', () => {
  function gated(options = {}, stageProps = {}) {
    const { app, stack, pipeline } = newPipeline();
    const stage = new ServiceStage(app, 'Beta', stageProps);
    pipeline.addStage(stage, { latencyGates: [LatencyGate.forAlias(stage.alias, options)] });
    return { app, stack, pipeline, stage, t: build(stack, pipeline) };
  }

  test('runs after the deployment: npm ci, then the probe on the alias with default thresholds', () => {
    const { t, stage } = gated();
    expect(pipelineStages(t)[3]).toEqual(['Beta', [['Service.Prepare', 1], ['Service.Deploy', 2], ['LatencyGate', 3]]]);
    expect(buildSpec(t, 'Beta/LatencyGate').phases).toEqual({
      install: { commands: ['npm ci'] },
      // Concurrency defaults to the alias's provisioned concurrency (2), so no request needs a cold start.
      build: { commands: ['npx cdk-serverless-patterns probe "$LATENCY_GATE_FUNCTION_1" --qualifier live --concurrency 2 --requests 100 --max-cold-starts 0 --json'] },
    });
    // The function's ARN crosses from the stage through an output the deploy action exports.
    const output = stage.service.resolve((stage.alias.node.findChild('LatencyGateFunctionArn') as any).value);
    expect(output).toEqual({ 'Fn::GetAtt': [stage.service.getLogicalId(stage.fn.node.defaultChild as any), 'Arn'] });
    const env = JSON.parse(pipelineAction(t, 'Beta', 'LatencyGate').Configuration.EnvironmentVariables);
    expect(env).toEqual([{ name: 'LATENCY_GATE_FUNCTION_1', type: 'PLAINTEXT', value: expect.stringMatching(/^#\{[A-Za-z0-9]+\.LiveLatencyGateFunctionArn[A-F0-9]{8}\}$/) }]);
    expect(pipelineAction(t, 'Beta', 'Service.Deploy').Namespace).toBe(env[0].value.slice(2).split('.')[0]);
  });

  test('thresholds given appear on the command line', () => {
    const { t } = gated({ concurrency: 2, requests: 400, maxColdStarts: 1, maxP99: Duration.millis(250) });
    expect(buildSpec(t, 'Beta/LatencyGate').phases.build.commands).toEqual([
      'npx cdk-serverless-patterns probe "$LATENCY_GATE_FUNCTION_1" --qualifier live --concurrency 2 --requests 400 --max-cold-starts 1 --max-p99 250ms --json',
    ]);
  });

  test('the gate role may invoke and read the provisioned concurrency of the probed alias only', () => {
    const { t } = gated();
    const statements: any[] = gatePolicy(t, 'Beta').Statement;
    expect(statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('lambda:')))).toEqual([{
      Effect: 'Allow',
      Action: ['lambda:GetProvisionedConcurrencyConfig', 'lambda:InvokeFunction'],
      Resource: arnOf(':function:Beta-Service-*:live'),
    }]);
    // Beyond that, only what CodeBuild needs for its logs, reports and the pipeline's artifacts.
    expect([...new Set(statements.flatMap((s) => [s.Action].flat()))].sort()).toEqual([
      'codebuild:BatchPutCodeCoverages', 'codebuild:BatchPutTestCases', 'codebuild:CreateReport', 'codebuild:CreateReportGroup', 'codebuild:UpdateReport',
      'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*',
      'lambda:GetProvisionedConcurrencyConfig', 'lambda:InvokeFunction',
      'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents',
      's3:GetBucket*', 's3:GetObject*', 's3:List*',
    ]);
  });

  test('a function with an explicit name is matched exactly', () => {
    const { t } = gated({}, { functionName: 'orders-api' });
    const lambdaStatement = gatePolicy(t, 'Beta').Statement.find((s: any) => s.Action.includes('lambda:InvokeFunction'));
    expect(lambdaStatement.Resource).toEqual(arnOf(':function:orders-api:live'));
  });

  test('a long stack name is matched by the 25 characters CloudFormation keeps', () => {
    const { t } = gated({}, { stackName: 'orders-service-production-eu-central' });
    const lambdaStatement = gatePolicy(t, 'Beta').Statement.find((s: any) => s.Action.includes('lambda:InvokeFunction'));
    expect(lambdaStatement.Resource).toEqual(arnOf(':function:orders-service-production*:live'));
  });

  test('a stage in an explicit environment: its region and account in the ARN', () => {
    const { app, stack, pipeline } = newPipeline({}, { env: { account: '111111111111', region: 'eu-west-1' } });
    const stage = new ServiceStage(app, 'Prod', { env: { account: '111111111111', region: 'eu-central-1' } });
    pipeline.addStage(stage, { latencyGates: [LatencyGate.forAlias(stage.alias)] });
    const t = build(stack, pipeline);
    const lambdaStatement = gatePolicy(t, 'Prod').Statement.find((s: any) => s.Action.includes('lambda:InvokeFunction'));
    expect(lambdaStatement.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':lambda:eu-central-1:111111111111:function:Prod-Service-*:live']] });
  });

  test('two gates: two probes in one step, two variables, two resources', () => {
    const { app, stack, pipeline } = newPipeline();
    const stage = new ServiceStage(app, 'Beta');
    const canary = new lambda.Alias(stage.service, 'Canary', { aliasName: 'canary', version: stage.fn.currentVersion });
    pipeline.addStage(stage, { latencyGates: [LatencyGate.forAlias(stage.alias), LatencyGate.forAlias(canary, { maxColdStarts: 5 })] });
    const t = build(stack, pipeline);
    expect(buildSpec(t, 'Beta/LatencyGate').phases.build.commands).toEqual([
      'npx cdk-serverless-patterns probe "$LATENCY_GATE_FUNCTION_1" --qualifier live --concurrency 2 --requests 100 --max-cold-starts 0 --json',
      // An alias without provisioned concurrency: nothing to default to.
      'npx cdk-serverless-patterns probe "$LATENCY_GATE_FUNCTION_2" --qualifier canary --concurrency 10 --requests 100 --max-cold-starts 5 --json',
    ]);
    expect(JSON.parse(pipelineAction(t, 'Beta', 'LatencyGate').Configuration.EnvironmentVariables).map((e: any) => e.name))
      .toEqual(['LATENCY_GATE_FUNCTION_1', 'LATENCY_GATE_FUNCTION_2']);
    const lambdaStatement = gatePolicy(t, 'Beta').Statement.find((s: any) => s.Action.includes('lambda:InvokeFunction'));
    expect(lambdaStatement.Resource).toEqual([arnOf(':function:Beta-Service-*:live'), arnOf(':function:Beta-Service-*:canary')]);
  });

  test('fromOutput: an output of the stage with a literal function name', () => {
    const { app, stack, pipeline } = newPipeline();
    const stage = new ServiceStage(app, 'Beta', { functionName: 'orders-api' });
    const output = new CfnOutput(stage.service, 'OrdersFunction', { value: 'orders-api' });
    pipeline.addStage(stage, { latencyGates: [LatencyGate.fromOutput(output, 'live', { maxP99: Duration.seconds(1) })] });
    const t = build(stack, pipeline);
    expect(buildSpec(t, 'Beta/LatencyGate').phases.build.commands[0]).toMatch(/--qualifier live .* --max-p99 1000ms --json$/);
    expect(gatePolicy(t, 'Beta').Statement.find((s: any) => s.Action.includes('lambda:InvokeFunction')).Resource)
      .toEqual(arnOf(':function:orders-api:live'));
  });

  test('an imported alias: its function\'s literal name', () => {
    const { app, stack, pipeline } = newPipeline();
    const stage = new ServiceStage(app, 'Beta');
    const version = lambda.Version.fromVersionArn(stage.service, 'LegacyVersion', 'arn:aws:lambda:us-east-1:111111111111:function:legacy-orders:7');
    const legacy = lambda.Alias.fromAliasAttributes(stage.service, 'LegacyLive', { aliasName: 'live', aliasVersion: version });
    pipeline.addStage(stage, { latencyGates: [LatencyGate.forAlias(legacy)] });
    const t = build(stack, pipeline);
    expect(gatePolicy(t, 'Beta').Statement.find((s: any) => s.Action.includes('lambda:InvokeFunction')).Resource)
      .toEqual(arnOf(':function:legacy-orders:live'));
  });

  test('forAlias twice on one alias reuses its output', () => {
    const { app } = newPipeline();
    const stage = new ServiceStage(app, 'Beta');
    const a = LatencyGate.forAlias(stage.alias);
    const b = LatencyGate.forAlias(stage.alias, { concurrency: 1, requests: 1 });
    expect(b.functionOutput).toBe(a.functionOutput);
  });

  test('a token threshold is not rejected at synth', () => {
    const { t } = gated({ concurrency: Lazy.number({ produce: () => 5000 }) });
    expect(buildSpec(t, 'Beta/LatencyGate').phases.build.commands[0]).toContain('--concurrency 5000 ');
  });

  test('a token p99 bound keeps its unit on the command line (a token cannot be converted to ms)', () => {
    const { t } = gated({ maxP99: Duration.seconds(Lazy.number({ produce: () => 2 })) });
    expect(buildSpec(t, 'Beta/LatencyGate').phases.build.commands[0]).toMatch(/ --max-p99 2s --json$/);
  });

  test('a token p99 bound in days is refused: the probe has no unit for days', () => {
    const stage = new ServiceStage(new App(), 'Beta');
    expect(() => LatencyGate.forAlias(stage.alias, { maxP99: Duration.days(Lazy.number({ produce: () => 1 })) }))
      .toThrow(/maxP99 must be given in millis, seconds, minutes or hours when it is a token, got <token> days/);
  });

  test('the wildcards of the gate role are acknowledged one by one: a wider grant is still reported', () => {
    const { stack, pipeline } = gated();
    const gateRole = pipeline.pipeline.node.findAll().find((c) => c instanceof iam.Role && c.node.path.endsWith('/Beta/LatencyGate/LatencyGate/Role')) as iam.Role;
    gateRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: ['*'] }));
    expect(nagFindings(stack)).toEqual([expect.stringMatching(/^AwsSolutions-IAM5\[Resource::\*\] @ PipelineStack\/Pipeline\/Pipeline\/Pipeline\/Beta\/LatencyGate\/LatencyGate\/Role\/DefaultPolicy/)]);
  });
});

describe('validation', () => {
  test('a pipeline without stages fails at synth', () => {
    const { app } = newPipeline();
    expect(() => app.synth()).toThrow(/ServerlessPipeline has no stages: add at least one with addStage/);
  });

  test('a pipeline name CodePipeline would refuse, and a retention CloudWatch Logs does not have', () => {
    expect(() => newPipeline({ pipelineName: 'my pipeline' }))
      .toThrow("pipelineName must be 1-100 letters, digits, '.', '@', '_' or '-', got 'my pipeline'");
    expect(() => newPipeline({ pipelineName: 'x'.repeat(101) })).toThrow(/^pipelineName must be 1-100 letters/);
    expect(() => newPipeline({ pipelineName: 'orders.delivery@v2_x-1' })).not.toThrow();
    expect(() => newPipeline({ pipelineName: Lazy.string({ produce: () => 'my pipeline' }) })).not.toThrow();
    expect(() => newPipeline({ buildLogRetention: 2 as logs.RetentionDays })).toThrow(/^buildLogRetention must be one of 1, 3, 5, .*, 9999, got 2$/);
  });

  test('a manual approval without gates is valid', () => {
    const { app, pipeline } = newPipeline();
    pipeline.addStage(new ServiceStage(app, 'Prod'), { manualApproval: true });
    expect(() => app.synth()).not.toThrow();
  });

  test('a gate on a function without an alias', () => {
    const stage = new ServiceStage(new App(), 'Beta');
    expect(() => LatencyGate.forAlias(stage.fn)).toThrow(/LatencyGate.forAlias: Beta\/Service\/Handler is a function without an alias/);
    expect(() => LatencyGate.forAlias(stage.fn.currentVersion)).toThrow(/is a function without an alias/);
  });

  test('a gate with an empty alias name, or a version number', () => {
    const stage = new ServiceStage(new App(), 'Beta');
    const output = new CfnOutput(stage.service, 'Fn', { value: stage.fn.functionArn });
    expect(() => LatencyGate.fromOutput(output, '')).toThrow(/aliasName must be the name of an alias .*got ''/);
    expect(() => LatencyGate.fromOutput(output, '3')).toThrow(/not only digits.*got '3'/);
  });

  test('fromOutput refuses a literal value that is not a function name or an unqualified function ARN', () => {
    const stage = new ServiceStage(new App(), 'Beta');
    const literal = (id: string, value: string) => new CfnOutput(stage.service, id, { value });
    const qualified = 'arn:aws:lambda:eu-west-1:111122223333:function:orders:live';
    expect(() => LatencyGate.fromOutput(literal('Qualified', qualified), 'live'))
      .toThrow(`LatencyGate.fromOutput: the output's value must be a function name or an unqualified function ARN (arn:<partition>:lambda:<region>:<account>:function:<name>), got ${qualified}`);
    expect(() => LatencyGate.fromOutput(literal('Partial', 'arn:aws:lambda:eu-west-1'), 'live')).toThrow(/unqualified function ARN .*got arn:aws:lambda:eu-west-1$/);
    expect(() => LatencyGate.fromOutput(literal('Spaces', 'my function'), 'live')).toThrow(/must be a function name \(1-64 letters, digits, - or _\).*got my function$/);
    expect(LatencyGate.fromOutput(literal('Arn', 'arn:aws:lambda:eu-west-1:111122223333:function:orders'), 'live').functionNamePattern).toBe('orders');
    expect(LatencyGate.fromOutput(literal('Name', 'orders-api'), 'live').functionNamePattern).toBe('orders-api');
  });

  test.each([
    [{ concurrency: 0 }, /concurrency must be an integer between 1 and 1000, got 0/],
    [{ concurrency: 1001 }, /concurrency must be an integer between 1 and 1000, got 1001/],
    [{ concurrency: 2.5 }, /concurrency must be an integer between 1 and 1000, got 2.5/],
    [{ requests: 100001 }, /requests must be an integer between 1 and 100000, got 100001/],
    [{ concurrency: 20, requests: 10 }, /concurrency \(20\) must be <= requests \(10\)/],
    [{ maxColdStarts: -1 }, /maxColdStarts must be an integer between 0 and 100000, got -1/],
    [{ requests: 50, maxColdStarts: 51 }, /maxColdStarts \(51\) must be <= requests \(50\)/],
    [{ maxP99: Duration.millis(0) }, /maxP99 must be between 1 ms and 15 minutes, got 0 ms/],
    [{ maxP99: Duration.minutes(16) }, /maxP99 must be between 1 ms and 15 minutes, got 16 minutes/],
  ])('gate thresholds %j', (options, error) => {
    const stage = new ServiceStage(new App(), 'Beta');
    expect(() => LatencyGate.forAlias(stage.alias, options)).toThrow(error);
  });

  test('maxP99 is a whole number of milliseconds (the probe takes it in ms)', () => {
    const stage = new ServiceStage(new App(), 'Beta');
    expectWholeDurationProp({ prop: 'maxP99', unit: 'milliseconds', min: 1, max: 15 * 60_000 },
      (value) => LatencyGate.forAlias(stage.alias, { maxP99: value }));
  });

  test('concurrency above the alias\'s provisioned concurrency while maxColdStarts is 0 names both values', () => {
    const stage = new ServiceStage(new App(), 'Beta');
    expect(() => LatencyGate.forAlias(stage.alias, { concurrency: 10 }))
      .toThrow("concurrency (10) must be <= the provisioned concurrency of alias 'live' while maxColdStarts is 0 (2)");
    expect(() => LatencyGate.forAlias(stage.alias, { concurrency: 2 })).not.toThrow();
    // Cold starts allowed: more requests in flight than provisioned environments is a choice.
    expect(LatencyGate.forAlias(stage.alias, { concurrency: 10, maxColdStarts: 8 }).concurrency).toBe(10);
  });

  test('a ProvisionedFunction\'s alias: its provisioned concurrency, or with auto-scaling its floor', () => {
    const stage = new Stage(new App(), 'Beta');
    const service = new Stack(stage, 'Service');
    const props = { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') };
    const fixed = new ProvisionedFunction(service, 'Fixed', { ...props, provisionedConcurrency: 3 });
    const scaled = new ProvisionedFunction(service, 'Scaled', { ...props, provisionedConcurrency: 5, autoScaling: { minCapacity: 2, maxCapacity: 20 } });
    expect(LatencyGate.forAlias(fixed.alias).concurrency).toBe(3);
    expect(LatencyGate.forAlias(scaled.alias).concurrency).toBe(2);
    expect(() => LatencyGate.forAlias(scaled.alias, { concurrency: 5 }))
      .toThrow("concurrency (5) must be <= the provisioned concurrency of alias 'live' while maxColdStarts is 0 (2)");
  });

  test('an unknown provisioned concurrency is neither a default nor a bound', () => {
    const stage = new ServiceStage(new App(), 'Beta');
    const pc = new CfnParameter(stage.service, 'Pc', { type: 'Number' }).valueAsNumber;
    const tokenAlias = new lambda.Alias(stage.service, 'Token', { aliasName: 'token', version: stage.fn.currentVersion });
    (tokenAlias.node.defaultChild as lambda.CfnAlias).provisionedConcurrencyConfig = { provisionedConcurrentExecutions: pc };
    // aws-cdk's own auto-scaling on an alias: its schedules may set any value.
    const scaledAlias = new lambda.Alias(stage.service, 'Scaled', { aliasName: 'scaled', version: stage.fn.currentVersion, provisionedConcurrentExecutions: 2 });
    scaledAlias.addAutoScaling({ minCapacity: 1, maxCapacity: 10 });
    const version = lambda.Version.fromVersionArn(stage.service, 'LegacyVersion', 'arn:aws:lambda:us-east-1:111111111111:function:legacy:7');
    const imported = lambda.Alias.fromAliasAttributes(stage.service, 'Imported', { aliasName: 'live', aliasVersion: version });
    for (const alias of [tokenAlias, scaledAlias, imported]) {
      expect(LatencyGate.forAlias(alias).concurrency).toBe(10);
      expect(LatencyGate.forAlias(alias, { concurrency: 50 }).concurrency).toBe(50);
    }
  });

  test('a gate on an output of another stage', () => {
    const { app, pipeline } = newPipeline();
    const beta = new ServiceStage(app, 'Beta');
    const prod = new ServiceStage(app, 'Prod');
    expect(() => pipeline.addStage(prod, { latencyGates: [LatencyGate.forAlias(beta.alias)] }))
      .toThrow(/latencyGates\[0\]: the output Beta\/Service\/Live\/LatencyGateFunctionArn is not in stage Prod/);
  });

  test('a gate on a function in another account', () => {
    const { app, pipeline } = newPipeline({}, { env: { account: '111111111111', region: 'eu-west-1' } });
    const prod = new ServiceStage(app, 'Prod', { env: { account: '222222222222', region: 'eu-west-1' } });
    expect(() => pipeline.addStage(prod, { latencyGates: [LatencyGate.forAlias(prod.alias)] }))
      .toThrow(/latencyGates\[0\]: the function is in account 222222222222, the pipeline in 111111111111; .*same-account stages only/);
  });

  test('one new repository as the source of two pipelines', () => {
    const source = PipelineSource.newCodeCommitRepository('shared');
    const stack = new Stack(new App(), 'S');
    new ServerlessPipeline(stack, 'First', { source });
    expect(() => new ServerlessPipeline(stack, 'Second', { source }))
      .toThrow(/newCodeCommitRepository\('shared'\) is already the source of S\/First: .*PipelineSource.codeCommit/);
  });

  test('source arguments', () => {
    expect(() => PipelineSource.newCodeCommitRepository('my repo')).toThrow(/repositoryName must be 1-100 letters, digits, '.', '_' or '-', got 'my repo'/);
    expect(() => PipelineSource.newCodeCommitRepository('ok', { branch: ' ' })).toThrow(/branch must be a non-empty branch name without whitespace, got ' '/);
    expect(() => PipelineSource.connection('my-service', 'main', CONNECTION_ARN)).toThrow(/repoString must be 'owner\/repository', got 'my-service'/);
    expect(() => PipelineSource.connection('o/r', 'main', 'arn:aws:iam::1:role/x')).toThrow(/connectionArn must be a CodeStar \(or CodeConnections\) connection ARN, got 'arn:aws:iam::1:role\/x'/);
    const token = (value: string) => Lazy.string({ produce: () => value });
    expect(() => PipelineSource.connection(token('no-slash'), token('a b'), token('x'))).not.toThrow();
    expect(() => PipelineSource.newCodeCommitRepository(token('my repo'), { branch: token(' ') })).not.toThrow();
  });

  test('S3 source arguments: an unversioned bucket the app defines, an empty or too long key, an unknown trigger', () => {
    const stack = new Stack(new App(), 'PipelineStack');
    expect(() => PipelineSource.s3(new s3.Bucket(stack, 'Plain'), 'app.zip'))
      .toThrow(/bucket must be a versioned bucket \(versioned: true\), got PipelineStack\/Plain with versioning off/);
    const suspended = new s3.Bucket(stack, 'Suspended', { versioned: true });
    (suspended.node.defaultChild as s3.CfnBucket).versioningConfiguration = { status: 'Suspended' };
    expect(() => PipelineSource.s3(suspended, 'app.zip'))
      .toThrow(/bucket must be a versioned bucket \(versioned: true\), got PipelineStack\/Suspended with versioning Suspended/);
    const versioned = new s3.Bucket(stack, 'Versioned', { versioned: true });
    expect(() => PipelineSource.s3(versioned, '')).toThrow(/objectKey must be a non-empty object key, got ''/);
    expect(() => PipelineSource.s3(versioned, `${'é'.repeat(512)}x`)).toThrow(/objectKey must be at most 1024 bytes \(UTF-8\), got 1025 bytes/);
    expect(() => PipelineSource.s3(versioned, 'app.zip', { trigger: 'Sometimes' as codepipeline_actions.S3Trigger }))
      .toThrow(/trigger must be one of 'None', 'Poll', 'Events', got 'Sometimes'/);
  });

  test('S3 source arguments not known at synth pass: an imported bucket, a token versioning or key', () => {
    const stack = new Stack(new App(), 'PipelineStack');
    const token = (value: string) => Lazy.string({ produce: () => value });
    expect(() => PipelineSource.s3(s3.Bucket.fromBucketName(stack, 'Imported', 'unversioned-perhaps'), 'app.zip')).not.toThrow();
    const lazy = new s3.Bucket(stack, 'Lazy');
    (lazy.node.defaultChild as s3.CfnBucket).versioningConfiguration = { status: token('Enabled') };
    expect(() => PipelineSource.s3(lazy, 'app.zip')).not.toThrow();
    const versioned = new s3.Bucket(stack, 'Versioned', { versioned: true });
    expect(() => PipelineSource.s3(versioned, token(''))).not.toThrow();
  });
});

describe('fullest configurations are cdk-nag and cfn-lint clean', () => {
  function fullest(source: (scope: Stack) => PipelineSource) {
    const app = new App();
    const stack = new Stack(app, 'PipelineStack');
    const pipeline = new ServerlessPipeline(stack, 'Pipeline', {
      source: source(stack),
      pipelineName: 'orders-delivery',
      testCommands: ['npm test', 'npm run test:snapshots'],
      buildLogRetention: logs.RetentionDays.SIX_MONTHS,
      dockerEnabledForSynth: true,
      notificationTopic: new sns.Topic(stack, 'Alerts', { enforceSSL: true, masterKey: new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true }) }),
    });
    const beta = new ServiceStage(stack, 'Beta');
    const prod = new ServiceStage(stack, 'Prod', { functionName: 'orders-api-prod' });
    pipeline.addStage(beta, { latencyGates: [LatencyGate.forAlias(beta.alias, { maxP99: Duration.millis(500) })] });
    pipeline.addStage(prod, {
      manualApproval: true,
      latencyGates: [LatencyGate.forAlias(prod.alias, { concurrency: 2, requests: 200, maxP99: Duration.millis(300) })],
    });
    return { app, stack, pipeline };
  }

  test('an existing CodeCommit repository, two stages, approval, gates', async () => {
    const { stack, pipeline } = fullest((scope) => PipelineSource.codeCommit(codecommit.Repository.fromRepositoryName(scope, 'Repo', 'orders'), 'release'));
    const t = build(stack, pipeline);
    expect(pipelineStages(t).map(([s]) => s)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Beta', 'Prod']);
    await expectCleanStack(stack);
  });

  test('a new repository in the pipeline stack (its commit rule included), two stages, approval, gates', async () => {
    const { stack, pipeline } = fullest(() => PipelineSource.newCodeCommitRepository('orders'));
    build(stack, pipeline).resourceCountIs('AWS::Events::Rule', 1);
    await expectCleanStack(stack);
  });

  test.each([codepipeline_actions.S3Trigger.POLL, codepipeline_actions.S3Trigger.EVENTS])(
    'an S3 source (trigger %s; the upload rule of EVENTS included), two stages, approval, gates', async (trigger) => {
      const { stack, pipeline } = fullest((scope) => PipelineSource.s3(sourceBucket(scope), 'source/app.zip', { trigger }));
      build(stack, pipeline).resourceCountIs('AWS::Events::Rule', trigger === codepipeline_actions.S3Trigger.EVENTS ? 1 : 0);
      await expectCleanStack(stack);
    });

  test('a CodeStar connection, two stages, approval, gates', async () => {
    const { stack, pipeline } = fullest(() => PipelineSource.connection('my-org/orders', 'main', CONNECTION_ARN));
    build(stack, pipeline);
    await expectCleanStack(stack);
  });
});

test('a stage with file assets: the shared asset-publishing role is acknowledged finding by finding, and a new wildcard on it is still reported', async () => {
  const { app, stack, pipeline } = newPipeline();
  const stage = new Stage(app, 'Beta');
  const service = new Stack(stage, 'Service');
  const fn = createSecureFunction(service, 'Handler', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, 'asset-handler')),
  });
  acknowledgeNagRule(fn, 'Serverless-LambdaDLQ', 'test: invoked synchronously only');
  pipeline.addStage(stage);
  build(stack, pipeline).resourceCountIs('AWS::CodeBuild::Project', 3); // synth, self-mutation, file asset
  await expectCleanStack(stack);

  const fileRole = pipeline.pipeline.node.findAll().find((c): c is iam.Role => c instanceof iam.Role && c.node.path.endsWith('/Assets/FileRole'))!;
  fileRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::*'] }));
  expect(nagFindings(stack)).toEqual([
    expect.stringMatching(/^AwsSolutions-IAM5\[Resource::arn:aws:s3:::\*\] @ PipelineStack\/Pipeline\/Pipeline\/Assets\/FileRole\/DefaultPolicy\/Resource/),
  ]);
});

test('the acknowledgement of the commit rule is the only one outside the generated roles, and names its reason', () => {
  const { app, stack, pipeline } = newPipeline();
  pipeline.addStage(new ServiceStage(app, 'Beta'));
  build(stack, pipeline);
  const rule = pipeline.repository!.node.findAll().find((c) => c.node.id.endsWith('-main-EventRule'))!;
  const acks = rule.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data);
  expect(acks).toEqual([{ 'annotation::Serverless-EventBusDLQ': expect.stringContaining('starts the pipeline on a commit') }]);
});

test('built by synth (CDK Pipelines\' Aspect) instead of by hand: the same acknowledgements apply', () => {
  const { app, stack, pipeline } = newPipeline();
  const stage = new ServiceStage(app, 'Beta');
  pipeline.addStage(stage, { manualApproval: true, latencyGates: [LatencyGate.forAlias(stage.alias)] });
  app.synth();
  Template.fromStack(stack).resourceCountIs('AWS::CodePipeline::Pipeline', 1);
  expect(nagFindings(stack)).toEqual([]);
});

test('the deploy actions name the CDK bootstrap role with Fn::Sub (cfn-lint E3703 rejects the Fn::Join)', () => {
  const { app, stack, pipeline } = newPipeline();
  pipeline.addStage(new ServiceStage(app, 'Beta'));
  const t = build(stack, pipeline);
  expect(pipelineAction(t, 'Beta', 'Prepare').Configuration.RoleArn).toEqual({
    'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}',
  });
});
