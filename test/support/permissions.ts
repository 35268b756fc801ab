import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ArnOfType, GETATT_ARN, REF_ARN, referencedTypeArns } from './judges/intrinsics';

/**
 * Permissions proven by simulation: a call a principal of a construct makes at run time, simulated
 * by @cloud-copilot/iam-simulate against the policies the stack synthesizes for that principal
 * (its role's inline policies and the AWS::IAM::Policy / ManagedPolicy resources attached to it)
 * and, when the call's resource is in the stack, that resource's own policy (queue, topic, bucket
 * or key policy). AWS-managed policies (ManagedPolicyArns such as AWSLambdaBasicExecutionRole) are
 * not in the template and so not simulated: every call listed must be allowed by our own grants.
 *
 * The template's intrinsics are replaced by one concrete deployment: partition aws, us-east-1,
 * account 111111111111, and every resource named after its logical id (so `Fn::GetAtt Queue.Arn`
 * is `arn:aws:sqs:us-east-1:111111111111:Queue`, from the reference's ARN format for sqs/queue).
 */
export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** What `Ref` returns for the name-returning types whose Ref is not their logical id as such. */
const REF_TEXT: Record<string, (id: string) => string> = {
  'AWS::SQS::Queue': (id) => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`,
};

type Resources = Record<string, { Type: string; Properties?: any }>;

/** The reference's ARN format with one concrete deployment's values (every name the logical id). */
function arnFor(arnOf: ArnOfType, [service, type]: readonly [string, string], id: string): string {
  return arnOf(service, type)!.replace(/\$\{(\w+)\}/g, (_m, v: string) => ({ Partition: 'aws', Region: REGION, Account: ACCOUNT }[v] ?? id));
}

/** A template value with its intrinsics evaluated for the one concrete deployment above. */
function concrete(value: any, resources: Resources, arnOf: ArnOfType): any {
  if (Array.isArray(value)) return value.map((v) => concrete(v, resources, arnOf));
  if (!value || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length !== 1 || !(keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, concrete(v, resources, arnOf)]));
  }
  const arg = value[keys[0]];
  switch (keys[0]) {
    case 'Ref': {
      if (PSEUDO[arg]) return PSEUDO[arg];
      const type = resources[arg]?.Type;
      if (type && REF_ARN[type]) return arnFor(arnOf, REF_ARN[type], arg);
      return REF_TEXT[type]?.(arg) ?? arg;
    }
    case 'Fn::GetAtt': {
      const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
      const ref = GETATT_ARN[`${resources[id]?.Type}.${attribute}`];
      return ref ? arnFor(arnOf, ref, id) : `${id}.${attribute}`;
    }
    case 'Fn::Join': return concrete(arg[1], resources, arnOf).join(arg[0]);
    case 'Fn::Split': return String(concrete(arg[1], resources, arnOf)).split(arg[0]);
    case 'Fn::Select': return concrete(arg[1], resources, arnOf)[Number(arg[0])];
    case 'Fn::ImportValue': return concrete(arg, resources, arnOf);
    case 'Fn::Sub': {
      const [text, variables] = Array.isArray(arg) ? arg : [arg, {}];
      return text.replace(/\$\{([^}!][^}]*)\}/g, (_m: string, name: string) => String(name in variables
        ? concrete(variables[name], resources, arnOf)
        : concrete(name.includes('.') ? { 'Fn::GetAtt': name.split('.') } : { Ref: name }, resources, arnOf)));
    }
    default: throw new Error(`permissions.ts: ${keys[0]} is not evaluated; add it when a simulated policy uses it`);
  }
}

/** The role a construct defines at `path` below it (for roles a construct does not expose). */
export function roleAt(scope: Construct, path: string): iam.IRole {
  const role = scope.node.findAll().find((c) => c instanceof iam.Role && c.node.path === `${scope.node.path}/${path}`);
  if (!role) throw new Error(`no role at ${scope.node.path}/${path}`);
  return role as iam.Role;
}

/** A call made at run time: who makes it, the action, the resource, and the request's context. */
export interface Call {
  /** The role whose session makes the call, or an AWS service principal (`sns.amazonaws.com`). */
  readonly who: iam.IRole | string;
  readonly action: string;
  /** The resource's ARN: a string or a CDK token of the stack (e.g. `queue.queueArn`). */
  readonly resource: string;
  /** Context keys the request carries besides `aws:SecureTransport: true` (SDK calls use TLS); values may be tokens. */
  readonly context?: Record<string, string | string[]>;
}

/** Whether a policy resource (Queue, Topic, Bucket or Key policy) governs the resource `arn`. */
function resourcePolicyFor(arn: string, resources: Resources, arnOf: ArnOfType): any {
  const c = (v: unknown) => concrete(v, resources, arnOf);
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::KMS::Key' && arnFor(arnOf, GETATT_ARN['AWS::KMS::Key.Arn'], id) === arn) return c(p.KeyPolicy);
    const targets: string[] = r.Type === 'AWS::SQS::QueuePolicy'
      ? p.Queues.map((q: any) => q.Ref && arnFor(arnOf, GETATT_ARN['AWS::SQS::Queue.Arn'], q.Ref))
      : r.Type === 'AWS::SNS::TopicPolicy' ? c(p.Topics) : r.Type === 'AWS::S3::BucketPolicy' ? [`arn:aws:s3:::${c(p.Bucket)}`] : [];
    if (targets.some((t) => t === arn || (r.Type === 'AWS::S3::BucketPolicy' && arn.startsWith(`${t}/`)))) return c(p.PolicyDocument);
  }
  return undefined;
}

/** The decision AWS would take on the call: 'Allowed', 'ImplicitlyDenied' or 'ExplicitlyDenied'. */
export async function simulate(stack: Stack, call: Call): Promise<string> {
  const arnOf = await referencedTypeArns();
  const resources: Resources = Template.fromStack(stack).toJSON().Resources;
  let principal = call.who as string;
  let identityPolicies: { name: string; policy: any }[] = [];
  if (typeof call.who !== 'string') {
    const roleId = stack.getLogicalId(call.who.node.defaultChild as CfnElement);
    const role = resources[roleId];
    if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${call.who.node.path} is not a role of ${stack.stackName}`);
    const attached = Object.entries(resources).filter(([, r]) => ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(r.Type)
      && (r.Properties.Roles ?? []).some((x: any) => x.Ref === roleId));
    identityPolicies = [
      ...(role.Properties?.Policies ?? []).map((p: any) => ({ name: p.PolicyName, policy: p.PolicyDocument })),
      ...attached.map(([id, r]) => ({ name: id, policy: r.Properties.PolicyDocument })),
    ].map(({ name, policy }) => ({ name, policy: concrete(policy, resources, arnOf) }));
    principal = `arn:aws:sts::${ACCOUNT}:assumed-role/${roleId}/session`;
  }
  const resource = concrete(stack.resolve(call.resource), resources, arnOf);
  const simulation = {
    request: {
      principal,
      action: call.action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: { 'aws:SecureTransport': 'true', ...concrete(stack.resolve(call.context ?? {}), resources, arnOf) },
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicyFor(resource, resources, arnOf),
  };
  const result = await runSimulation(simulation, {});
  // A qualified function ARN fits both of Lambda's `function alias` and `function version` types, which
  // iam-simulate will not choose between; the type only decides which context keys apply, and the
  // call carries none of them, so the same simulation runs without that check.
  if (result.resultType === 'error' && result.errors.message === 'multiple.resource.types' && !call.context) {
    return runUnsafeSimulation(simulation, {});
  }
  if (result.resultType === 'error') throw new Error(`simulation of ${call.action} on ${resource}: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}
