import * as path from 'path';
import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { StreamProcessor, StreamProcessorProps, StreamSource } from '../../src/stream-processor';
import { expectWholeDurationProp } from '../support/durations';
import { expectCleanStack, templateWithoutAssetHashes } from '../support/quality-gates';

const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');
const consumerProps: lambda.FunctionProps = { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code };

function newStack(): Stack {
  return new Stack(new App(), 'S');
}

/** A processor of a new Kinesis stream with a defined consumer, plus whatever the test overrides. */
function processor(stack: Stack, overrides: Partial<StreamProcessorProps> = {}): StreamProcessor {
  return new StreamProcessor(stack, 'Processor', { source: StreamSource.newKinesisStream(), consumerProps, ...overrides });
}

function esm(stack: Stack): Record<string, any> {
  const mappings = Template.fromStack(stack).findResources('AWS::Lambda::EventSourceMapping');
  expect(Object.keys(mappings)).toHaveLength(1);
  return Object.values(mappings)[0].Properties;
}

function alarmsByMetric(stack: Stack): Record<string, any> {
  const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
  return Object.fromEntries(Object.values(alarms).map((a: any) => [a.Properties.MetricName, a.Properties]));
}

function dynamoTable(stack: Stack): dynamodb.Table {
  return new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  });
}

describe('StreamProcessor defaults', () => {
  test('event source mapping: trim horizon, batch 100, factor 1, bisect, 3 retries, 1 h record age, partial batch responses, on-failure queue', async () => {
    const stack = newStack();
    processor(stack);
    const p = esm(stack);
    expect(p).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^ProcessorStream/), 'Arn'] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^ProcessorOnFailureQueue/), 'Arn'] } } },
    });
    expect(p.MaximumBatchingWindowInSeconds).toBeUndefined();
    expect(p.TumblingWindowInSeconds).toBeUndefined();
    expect(p.FilterCriteria).toBeUndefined();
    await expectCleanStack(stack);
  });

  test('a new Kinesis stream is on-demand, encrypted with the AWS-managed key and keeps records 24 hours', () => {
    const stack = newStack();
    processor(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      ShardCount: Match.absent(),
      RetentionPeriodHours: 24,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
  });

  test('the on-failure queue is encrypted, TLS-only, keeps messages 14 days, and the consumer may send to it', () => {
    const stack = newStack();
    const p = processor(stack);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': [stack.getLogicalId(p.onFailureQueue!.node.defaultChild as sqs.CfnQueue), 'Arn'] },
        })]),
      },
    });
    expect(p.onFailureTopic).toBeUndefined();
  });

  test('the consumer is defined with the shared secure defaults and may read the stream', () => {
    const stack = newStack();
    const p = processor(stack);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512, Timeout: 30, TracingConfig: { Mode: 'Active' } });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['kinesis:GetRecords', 'kinesis:GetShardIterator']),
          Resource: { 'Fn::GetAtt': [stack.getLogicalId(p.stream!.node.defaultChild as kinesis.CfnStream), 'Arn'] },
        })]),
      },
    });
    expect(p.lambdaFunction!.node.id).toBe('Function');
    expect(p.consumer).toBe(p.lambdaFunction);
    expect(p.grantPrincipal).toBe(p.lambdaFunction!.grantPrincipal);
    expect(esm(stack).FunctionName).toEqual({ Ref: stack.getLogicalId(p.lambdaFunction!.node.defaultChild as lambda.CfnFunction) });
  });

  test('alarms: iterator age at half the max record age, errors, delivery failures and on-failure queue depth, without actions', () => {
    const stack = newStack();
    const p = processor(stack);
    const alarms = alarmsByMetric(stack);
    expect(Object.keys(alarms).sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'DestinationDeliveryFailures', 'Errors', 'IteratorAge']);
    expect(alarms.IteratorAge).toMatchObject({ Threshold: 1_800_000, Statistic: 'Maximum', ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarms.Errors).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
    expect(alarms.DestinationDeliveryFailures).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
    expect(alarms.ApproximateNumberOfMessagesVisible).toMatchObject({ Threshold: 1, Statistic: 'Maximum', Namespace: 'AWS/SQS' });
    for (const alarm of Object.values(alarms)) {
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
    expect(p.alarms).toHaveLength(4);
  });

  test('snapshot (complement to the assertions above)', () => {
    const stack = newStack();
    processor(stack);
    expect(templateWithoutAssetHashes(stack)).toMatchSnapshot();
  });
});

describe('StreamProcessor overrides', () => {
  test('fullest configuration: every event source option, a provisioned CMK stream with enhanced fan-out, alarm actions', async () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const alarmTopic = new sns.Topic(stack, 'AlarmTopic', { enforceSSL: true, masterKey: key });
    const p = processor(stack, {
      source: StreamSource.newKinesisStream({ shardCount: 4, retentionPeriod: Duration.hours(48), streamEncryptionKey: key, enhancedFanOut: true }),
      consumerProps: { ...consumerProps, reservedConcurrentExecutions: 40 },
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(10),
      parallelizationFactor: 10,
      bisectBatchOnError: false,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(2),
      reportBatchItemFailures: false,
      tumblingWindow: Duration.seconds(60),
      filters: [lambda.FilterCriteria.filter({ data: { kind: lambda.FilterRule.isEqual('order') } })],
      filterEncryption: key,
      enabled: false,
      iteratorAgeAlarmThreshold: Duration.minutes(10),
      alarmTopic,
    });
    expect(esm(stack)).toMatchObject({
      StartingPosition: 'LATEST',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 10,
      ParallelizationFactor: 10,
      BisectBatchOnFunctionError: false,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 7200,
      TumblingWindowInSeconds: 60,
      Enabled: false,
      FilterCriteria: { Filters: [{ Pattern: '{"data":{"kind":["order"]}}' }] },
      KmsKeyArn: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
      EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^ProcessorStreamConsumer/), 'ConsumerARN'] },
    });
    expect(esm(stack).FunctionResponseTypes).toBeUndefined();
    expect(alarmsByMetric(stack).IteratorAge.Threshold).toBe(600_000);
    for (const alarm of Object.values(alarmsByMetric(stack))) {
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
      expect(alarm.OKActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
    }
    expect(p.streamConsumer).toBeDefined();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('concurrent invocations'))).toEqual([]);
    await expectCleanStack(stack);
  });

  test('a new stream with a shard count is provisioned; retention and key are applied and the consumer may decrypt', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    processor(stack, { source: StreamSource.newKinesisStream({ shardCount: 4, retentionPeriod: Duration.days(7), streamEncryptionKey: key }) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 4,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      RetentionPeriodHours: 168,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } })]) },
    });
  });

  test('enhanced fan-out: a stream consumer is registered, read through SubscribeToShard', () => {
    const stack = newStack();
    const p = processor(stack, { source: StreamSource.newKinesisStream({ enhancedFanOut: true }) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Kinesis::StreamConsumer', {
      StreamARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProcessorStream'), 'Arn'] },
      ConsumerName: Match.stringLikeRegexp('^SProcessor'),
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['kinesis:SubscribeToShard']),
          Resource: { 'Fn::GetAtt': [stack.getLogicalId(p.streamConsumer!.node.defaultChild as kinesis.CfnStreamConsumer), 'ConsumerARN'] },
        })]),
      },
    });
  });

  describe('enhanced fan-out: the mapping waits until the consumer is ACTIVE', () => {
    const efo = () => StreamSource.newKinesisStream({ enhancedFanOut: true });
    const resources = (stack: Stack) => Template.fromStack(stack).toJSON().Resources as Record<string, any>;
    const idOf = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as lambda.CfnFunction);
    const waitResourceId = (stack: Stack) => {
      const ids = Object.keys(Template.fromStack(stack).findResources('Custom::KinesisStreamConsumerActive'));
      expect(ids).toHaveLength(1);
      return ids[0];
    };

    test('the mapping DependsOn a Custom::KinesisStreamConsumerActive for its consumer, which waits for its own policy', () => {
      const stack = newStack();
      const p = processor(stack, { source: efo() });
      const r = resources(stack);
      const waitId = waitResourceId(stack);
      const consumerId = stack.getLogicalId(p.streamConsumer!.node.defaultChild as kinesis.CfnStreamConsumer);
      expect(r[waitId].Properties.ConsumerArn).toEqual({ 'Fn::GetAtt': [consumerId, 'ConsumerARN'] });
      expect(r[idOf(stack, p.eventSourceMapping)].DependsOn).toContain(waitId);
      const [policyId] = Object.keys(Template.fromStack(stack).findResources('AWS::IAM::Policy', {
        Properties: { PolicyName: Match.stringLikeRegexp('^ProcessorStreamConsumerWaitPolicy') },
      }));
      expect(r[waitId].DependsOn).toContain(policyId);
    });

    test('IAM: the waiter may call DescribeStreamConsumer on this consumer\'s ARN only, and nothing else on Kinesis', () => {
      const stack = newStack();
      const p = processor(stack, { source: efo() });
      const r = resources(stack);
      const handlerRoleId = Object.keys(r).find((id) => id.startsWith('CdkServerlessPatternsStreamConsumerWaiterHandlerServiceRole'))!;
      const consumerArn = { 'Fn::GetAtt': [stack.getLogicalId(p.streamConsumer!.node.defaultChild as kinesis.CfnStreamConsumer), 'ConsumerARN'] };
      const onHandlerRole = Object.values(r).filter((res) => res.Type === 'AWS::IAM::Policy'
        && JSON.stringify(res.Properties.Roles) === JSON.stringify([{ Ref: handlerRoleId }]));
      const kinesisStatements = onHandlerRole.flatMap((res) => res.Properties.PolicyDocument.Statement)
        .filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('kinesis:')));
      expect(kinesisStatements).toEqual([{ Action: 'kinesis:DescribeStreamConsumer', Effect: 'Allow', Resource: consumerArn }]);
    });

    test('two processors in a stack share one waiter; each waits for its own consumer, granted its own ARN', () => {
      const stack = newStack();
      const a = processor(stack, { source: efo() });
      const b = new StreamProcessor(stack, 'Other', { source: efo(), consumerProps });
      const t = Template.fromStack(stack);
      t.resourceCountIs('Custom::KinesisStreamConsumerActive', 2);
      const handlers = Object.keys(t.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('CdkServerlessPatternsStreamConsumerWaiterHandler'));
      expect(handlers).toHaveLength(1);
      for (const p of [a, b]) {
        const arn = { 'Fn::GetAtt': [stack.getLogicalId(p.streamConsumer!.node.defaultChild as kinesis.CfnStreamConsumer), 'ConsumerARN'] };
        t.hasResourceProperties('AWS::IAM::Policy', {
          PolicyName: Match.stringLikeRegexp(`^${p.node.id}StreamConsumerWaitPolicy`),
          PolicyDocument: { Statement: [{ Action: 'kinesis:DescribeStreamConsumer', Effect: 'Allow', Resource: arn }] },
        });
      }
    });

    test('the waiter is the bundled handler, with a timeout inside the Provider framework\'s 15 minutes', () => {
      const stack = newStack();
      processor(stack, { source: efo() });
      const handler = Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
        .find(([id]) => id.startsWith('CdkServerlessPatternsStreamConsumerWaiterHandler'))![1];
      expect(handler.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler', Timeout: 600 });
      const bundled = lambda.Code.fromAsset(path.join(__dirname, '..', '..', 'assets', 'stream-processor', 'stream-consumer-active.lambda'));
      expect(JSON.stringify(handler.Properties.Code)).toContain(bundled.bind(newStack()).s3Location!.objectKey);
    });

    test('without enhanced fan-out there is nothing to wait for', () => {
      const stack = newStack();
      processor(stack);
      Template.fromStack(stack).resourceCountIs('Custom::KinesisStreamConsumerActive', 0);
    });

    test('passes cfn-lint and cdk-nag', async () => {
      const stack = newStack();
      processor(stack, { source: efo() });
      await expectCleanStack(stack);
    });
  });

  test('an existing Kinesis stream is read, and its retention bounds maxRecordAge', () => {
    const stack = newStack();
    const stream = new kinesis.Stream(stack, 'Existing', { retentionPeriod: Duration.hours(48) });
    const p = processor(stack, { source: StreamSource.kinesis(stream), maxRecordAge: Duration.hours(30) });
    expect(esm(stack).EventSourceArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Existing/), 'Arn'] });
    expect(p.stream).toBe(stream);
    Template.fromStack(stack).resourceCountIs('AWS::Kinesis::Stream', 1);
    expect(() => processor(newStack(), {
      source: StreamSource.kinesis(new kinesis.Stream(new Stack(), 'Short')),
      maxRecordAge: Duration.hours(25),
    })).toThrow("maxRecordAge (1 day 1 hour) must be <= the stream's retention period (1 day)");
  });

  test('an imported stream has no known retention unless given', () => {
    const arn = 'arn:aws:kinesis:us-east-1:111111111111:stream/orders';
    const stack = newStack();
    processor(stack, { source: StreamSource.kinesis(kinesis.Stream.fromStreamArn(stack, 'Imported', arn)), maxRecordAge: Duration.days(7) });
    expect(esm(stack).EventSourceArn).toBe(arn);
    const other = newStack();
    expect(() => processor(other, {
      source: StreamSource.kinesis(kinesis.Stream.fromStreamArn(other, 'Imported', arn), { retentionPeriod: Duration.hours(24) }),
      maxRecordAge: Duration.hours(25),
    })).toThrow("maxRecordAge (1 day 1 hour) must be <= the stream's retention period (1 day)");
  });

  test('a DynamoDB table stream is read with stream permissions', async () => {
    const stack = newStack();
    const table = dynamoTable(stack);
    const p = processor(stack, { source: StreamSource.dynamoDb(table) });
    expect(esm(stack).EventSourceArn).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(table.node.defaultChild as dynamodb.CfnTable), 'StreamArn'] });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['dynamodb:GetRecords', 'dynamodb:GetShardIterator']) })]) },
    });
    expect(p.table).toBe(table);
    expect(p.stream).toBeUndefined();
    await expectCleanStack(stack);
  });

  test('DynamoDB: ListStreams (no resource-level permissions) is on `*` only in the mapping\'s own policy, which the mapping waits for', () => {
    const stack = newStack();
    const p = processor(stack, { source: StreamSource.dynamoDb(dynamoTable(stack)) });
    const t = Template.fromStack(stack);
    const policies = t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^ProcessorMappingPolicy') } });
    const [logicalId] = Object.keys(policies);
    expect(Object.values(policies).map((r: any) => r.Properties.PolicyDocument.Statement)).toEqual([expect.arrayContaining([
      { Action: 'dynamodb:ListStreams', Effect: 'Allow', Resource: '*' },
      expect.objectContaining({ Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'] }),
    ])]);
    const esmId = stack.getLogicalId(p.eventSourceMapping.node.defaultChild as lambda.CfnEventSourceMapping);
    expect(t.toJSON().Resources[esmId].DependsOn).toContain(logicalId);
    const defaultPolicy = JSON.stringify(t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('DefaultPolicy') } }));
    expect(defaultPolicy).not.toContain('"Resource":"*"');
  });

  test('DynamoDB: a table encrypted with a customer-managed key lets the consumer decrypt its stream', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'TableKey', { enableKeyRotation: true });
    const table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
    });
    processor(stack, { source: StreamSource.dynamoDb(table) });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^ProcessorMappingPolicy'),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TableKey'), 'Arn'] } })]) },
    });
  });

  test('AT_TIMESTAMP starts from the given Unix time', () => {
    const stack = newStack();
    processor(stack, { startingPosition: lambda.StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: 1_767_225_600 });
    expect(esm(stack)).toMatchObject({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 1_767_225_600 });
  });

  test('a DynamoDB stream keeps records 24 hours: maxRecordAge beyond it is rejected', () => {
    const stack = newStack();
    expect(() => processor(stack, { source: StreamSource.dynamoDb(dynamoTable(stack)), maxRecordAge: Duration.hours(25) }))
      .toThrow("maxRecordAge (1 day 1 hour) must be <= the stream's retention period (1 day)");
  });

  test('a table without a stream is rejected', () => {
    const stack = newStack();
    const table = new dynamodb.Table(stack, 'NoStream', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    expect(() => StreamSource.dynamoDb(table)).toThrow(/table S\/NoStream has no stream/);
  });

  test('a given function is the consumer; no function is defined', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Mine', consumerProps);
    const p = processor(stack, { consumer: fn, consumerProps: undefined });
    expect(p.consumer).toBe(fn);
    expect(p.lambdaFunction).toBeUndefined();
    expect(esm(stack).FunctionName).toEqual({ Ref: stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction) });
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 1);
  });

  test('an alias (such as a ProvisionedFunction\'s) is a consumer: the mapping targets the alias and its function may read', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Mine', consumerProps);
    const alias = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
    const p = processor(stack, { consumer: alias, consumerProps: undefined });
    expect(esm(stack).FunctionName).toEqual(stack.resolve(alias.functionName));
    expect(JSON.stringify(esm(stack).FunctionName)).toContain(`{"Ref":"${stack.getLogicalId(alias.node.defaultChild as lambda.CfnAlias)}"}`);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(fn.role!.node.defaultChild as lambda.CfnFunction) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kinesis:GetRecords']) })]) },
    });
    expect(p.metricIteratorAge().dimensions).toEqual({ FunctionName: fn.functionName, Resource: `${fn.functionName}:live` });
  });

  test('a given on-failure queue receives the failure context and its depth is alarmed', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Mine', { enforceSSL: true });
    const p = processor(stack, { onFailureQueue: queue });
    const logicalId = stack.getLogicalId(queue.node.defaultChild as sqs.CfnQueue);
    expect(esm(stack).DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': [logicalId, 'Arn'] } } });
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 1);
    expect(alarmsByMetric(stack).ApproximateNumberOfMessagesVisible.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId, 'QueueName'] } }]);
    expect(p.onFailureQueue).toBe(queue);
  });

  test('a given on-failure topic receives the failure context; no queue, no depth alarm', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Failures');
    const p = processor(stack, { onFailureTopic: topic });
    const topicId = stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic);
    expect(esm(stack).DestinationConfig).toEqual({ OnFailure: { Destination: { Ref: topicId } } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SQS::Queue', 0);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish' })]) },
    });
    expect(Object.keys(alarmsByMetric(stack)).sort()).toEqual(['DestinationDeliveryFailures', 'Errors', 'IteratorAge']);
    expect(p.onFailureTopic).toBe(topic);
    expect(() => p.metricOnFailureQueueApproximateNumberOfMessagesVisible()).toThrow(/the on-failure destination of this StreamProcessor is a topic, not a queue/);
  });

  test('the iterator-age threshold follows maxRecordAge, or the retention when maxRecordAge is a token, or 24 hours when neither is known', () => {
    const stack = newStack();
    processor(stack, { maxRecordAge: Duration.hours(6) });
    expect(alarmsByMetric(stack).IteratorAge.Threshold).toBe(3 * 3_600_000);
    const tokenStack = newStack();
    processor(tokenStack, {
      source: StreamSource.newKinesisStream({ retentionPeriod: Duration.hours(48) }),
      maxRecordAge: Duration.seconds(Lazy.number({ produce: () => 3600 })),
    });
    expect(alarmsByMetric(tokenStack).IteratorAge.Threshold).toBe(24 * 3_600_000);
    expect(esm(tokenStack).MaximumRecordAgeInSeconds).toBe(3600);
    // Neither known (a token maxRecordAge, an imported stream without retentionPeriod): half of 24 hours.
    const unknownStack = newStack();
    processor(unknownStack, {
      source: StreamSource.kinesis(kinesis.Stream.fromStreamArn(unknownStack, 'Imported', 'arn:aws:kinesis:us-east-1:111111111111:stream/orders')),
      maxRecordAge: Duration.seconds(Lazy.number({ produce: () => 3600 })),
    });
    expect(alarmsByMetric(unknownStack).IteratorAge.Threshold).toBe(12 * 3_600_000);
  });

  test('metrics are named after the CloudWatch metrics of the consumer and the queue', () => {
    const stack = newStack();
    const p = processor(stack);
    expect(p.metricIteratorAge()).toMatchObject({ namespace: 'AWS/Lambda', metricName: 'IteratorAge', statistic: 'Maximum' });
    expect(p.metricErrors()).toMatchObject({ namespace: 'AWS/Lambda', metricName: 'Errors', statistic: 'Sum' });
    expect(p.metricDestinationDeliveryFailures()).toMatchObject({ namespace: 'AWS/Lambda', metricName: 'DestinationDeliveryFailures', statistic: 'Sum' });
    expect(p.metric('ConcurrentExecutions')).toMatchObject({ namespace: 'AWS/Lambda', metricName: 'ConcurrentExecutions', statistic: 'Average', period: Duration.minutes(5) });
    expect(p.metricIteratorAge().period.toMinutes()).toBe(5);
    expect(p.metricOnFailureQueueApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) })).toMatchObject({
      namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', statistic: 'Maximum', period: Duration.minutes(1),
    });
  });
});

describe('StreamProcessor concurrency advice', () => {
  const warning = Match.stringLikeRegexp('4 shards x parallelizationFactor 5 = 20 concurrent invocations, but the consumer\'s reserved concurrency is 10');

  test('warns when shards x parallelization factor exceed the reserved concurrency of a defined consumer', () => {
    const stack = newStack();
    processor(stack, {
      source: StreamSource.newKinesisStream({ shardCount: 4 }),
      parallelizationFactor: 5,
      consumerProps: { ...consumerProps, reservedConcurrentExecutions: 10 },
    });
    Annotations.fromStack(stack).hasWarning('/S/Processor', warning);
  });

  test('warns for a given alias whose function has reserved concurrency, with an existing provisioned stream', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Mine', { ...consumerProps, reservedConcurrentExecutions: 10 });
    const alias = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
    const stream = new kinesis.Stream(stack, 'Existing', { shardCount: 4 });
    processor(stack, { source: StreamSource.kinesis(stream), consumer: alias, consumerProps: undefined, parallelizationFactor: 5 });
    Annotations.fromStack(stack).hasWarning('/S/Processor', warning);
  });

  test('no warning when the shard count is unknown (on-demand) or the concurrency suffices', () => {
    const onDemand = newStack();
    processor(onDemand, { parallelizationFactor: 10, consumerProps: { ...consumerProps, reservedConcurrentExecutions: 1 } });
    const enough = newStack();
    processor(enough, {
      source: StreamSource.newKinesisStream({ shardCount: 4 }),
      parallelizationFactor: 5,
      consumerProps: { ...consumerProps, reservedConcurrentExecutions: 20 },
    });
    for (const stack of [onDemand, enough]) {
      expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('concurrent invocations'))).toEqual([]);
    }
  });
});

describe('StreamProcessor validation', () => {
  test.each([
    ['parallelizationFactor', { parallelizationFactor: 11 }, /parallelizationFactor must be an integer between 1 and 10, got 11/],
    ['parallelizationFactor', { parallelizationFactor: 0 }, /parallelizationFactor must be an integer between 1 and 10, got 0/],
    ['batchSize', { batchSize: 10_001 }, /batchSize must be an integer between 1 and 10000, got 10001/],
    ['batchSize', { batchSize: 0 }, /batchSize must be an integer between 1 and 10000, got 0/],
    ['retryAttempts', { retryAttempts: -1 }, /retryAttempts must be an integer between 0 and 10000, got -1/],
    ['retryAttempts', { retryAttempts: 10_001 }, /retryAttempts must be an integer between 0 and 10000, got 10001/],
    ['maxBatchingWindow', { maxBatchingWindow: Duration.seconds(301) }, /maxBatchingWindow must be between 0 seconds and 5 minutes, got 5 minutes 1 second/],
    ['tumblingWindow', { tumblingWindow: Duration.seconds(901) }, /tumblingWindow must be between 0 seconds and 15 minutes, got 15 minutes 1 second/],
    ['maxRecordAge', { maxRecordAge: Duration.seconds(59) }, /maxRecordAge must be between 1 minute and 7 days, got 59 seconds/],
    ['maxRecordAge', { maxRecordAge: Duration.days(8) }, /maxRecordAge must be between 1 minute and 7 days, got 8 days/],
  ] as Array<[string, Partial<StreamProcessorProps>, RegExp]>)('%s out of range (%#)', (_prop, overrides, error) => {
    expect(() => processor(newStack(), overrides)).toThrow(error);
  });

  // Issue 18: a fraction of the unit a prop is counted in fails inside aws-cdk-lib, naming no prop.
  describe('durations are whole numbers of their unit', () => {
    // A stream keeping records 7 days, so maxRecordAge (and the alarm below it) may reach 7 days.
    const week = () => StreamSource.newKinesisStream({ retentionPeriod: Duration.days(7) });
    test.each([
      { prop: 'maxBatchingWindow', unit: 'seconds', min: 0, max: 300 },
      { prop: 'tumblingWindow', unit: 'seconds', min: 0, max: 900 },
      { prop: 'maxRecordAge', unit: 'seconds', min: 60, max: 7 * 86_400 },
    ] as const)('$prop', (spec) => {
      expectWholeDurationProp(spec, (value) => processor(newStack(), { source: week(), [spec.prop]: value }));
    });
    test('iteratorAgeAlarmThreshold', () => {
      expectWholeDurationProp({ prop: 'iteratorAgeAlarmThreshold', unit: 'milliseconds', min: 1, max: 7 * 86_400_000 },
        (value) => processor(newStack(), { source: week(), maxRecordAge: Duration.days(7), iteratorAgeAlarmThreshold: value }));
    });
    test('consumerProps.timeout', () => {
      expectWholeDurationProp({ prop: 'consumerProps.timeout', unit: 'seconds', min: 1, max: 900 },
        (value) => processor(newStack(), { consumerProps: { ...consumerProps, timeout: value } }));
    });
    test('retentionPeriod of a new and of an existing stream', () => {
      const spec = { prop: 'retentionPeriod', unit: 'hours', min: 24, max: 8760 } as const;
      expectWholeDurationProp(spec, (value) => processor(newStack(), { source: StreamSource.newKinesisStream({ retentionPeriod: value }) }));
      expectWholeDurationProp(spec, (value) => {
        const stack = newStack();
        return processor(stack, { source: StreamSource.kinesis(kinesis.Stream.fromStreamArn(stack, 'Given', 'arn:aws:kinesis:us-east-1:111122223333:stream/s'), { retentionPeriod: value }) });
      });
    });
  });

  test('exactly one of consumer and consumerProps', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Mine', consumerProps);
    expect(() => processor(stack, { consumer: fn })).toThrow('Exactly one of consumer and consumerProps must be given, got both');
    expect(() => processor(newStack(), { consumerProps: undefined })).toThrow('Exactly one of consumer and consumerProps must be given, got neither');
  });

  test('AT_TIMESTAMP only for Kinesis', () => {
    const stack = newStack();
    expect(() => processor(stack, {
      source: StreamSource.dynamoDb(dynamoTable(stack)),
      startingPosition: lambda.StartingPosition.AT_TIMESTAMP,
      startingPositionTimestamp: 1_700_000_000,
    })).toThrow('startingPosition AT_TIMESTAMP is supported for Kinesis sources only; a DynamoDB stream starts at TRIM_HORIZON or LATEST');
    expect(() => processor(newStack(), { startingPosition: lambda.StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: 1_700_000_000 }))
      .not.toThrow();
  });

  // aws-cdk-lib's EventSourceMapping refuses these too, with errors naming no prop of ours: ours come first.
  test('startingPositionTimestamp goes with AT_TIMESTAMP, and only with it', () => {
    expect(() => processor(newStack(), { startingPosition: lambda.StartingPosition.AT_TIMESTAMP }))
      .toThrow('startingPosition AT_TIMESTAMP requires startingPositionTimestamp');
    expect(() => processor(newStack(), { startingPositionTimestamp: 1_700_000_000 }))
      .toThrow('startingPositionTimestamp requires startingPosition AT_TIMESTAMP, got TRIM_HORIZON');
    expect(() => processor(newStack(), { startingPosition: lambda.StartingPosition.LATEST, startingPositionTimestamp: 1_700_000_000 }))
      .toThrow('startingPositionTimestamp requires startingPosition AT_TIMESTAMP, got LATEST');
  });

  test('filterEncryption requires filters', () => {
    const stack = newStack();
    expect(() => processor(stack, { filterEncryption: new kms.Key(stack, 'FilterKey') })).toThrow('filterEncryption requires filters');
  });

  test('at most one of onFailureQueue and onFailureTopic', () => {
    const stack = newStack();
    expect(() => processor(stack, { onFailureQueue: new sqs.Queue(stack, 'Q'), onFailureTopic: new sns.Topic(stack, 'T') }))
      .toThrow('onFailureQueue cannot be combined with onFailureTopic');
  });

  test('a new stream needs a positive whole shard count and a retention of 24 hours to 365 days', () => {
    expect(() => StreamSource.newKinesisStream({ shardCount: 0 })).toThrow(/shardCount must be an integer >= 1, got 0/);
    expect(() => StreamSource.newKinesisStream({ shardCount: 1.5 })).toThrow(/shardCount must be an integer >= 1, got 1.5/);
    expect(() => StreamSource.newKinesisStream({ retentionPeriod: Duration.hours(12) }))
      .toThrow(/retentionPeriod must be between 1 day and 365 days, got 12 hours/);
  });

  test('tokens are never rejected', () => {
    const n = (v: number) => Lazy.number({ produce: () => v });
    const stack = newStack();
    expect(() => processor(stack, {
      source: StreamSource.newKinesisStream({ shardCount: n(0), retentionPeriod: Duration.hours(n(1)) }),
      parallelizationFactor: n(99),
      batchSize: n(0),
      retryAttempts: n(-5),
      maxBatchingWindow: Duration.seconds(n(1000)),
      tumblingWindow: Duration.seconds(n(1000)),
      maxRecordAge: Duration.seconds(n(1)),
      consumerProps: { ...consumerProps, reservedConcurrentExecutions: n(1) },
    })).not.toThrow();
  });
});
