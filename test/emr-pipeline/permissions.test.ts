import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EmrPipeline } from '../../src';
import { ACCOUNT, Call, REGION, roleAt, simulate } from '../support/permissions';

/**
 * The calls EmrPipeline's principals make at run time, each simulated against the policies the stack
 * synthesizes (test/support/permissions.ts): allowed where the construct needs them, denied on the
 * neighbours. The state machine's calls are those of Step Functions' optimized EMR integration
 * (Step Functions developer guide, "Create and manage Amazon EMR clusters with Step Functions", IAM
 * policies: RunJobFlow on `*`, iam:PassRole on the service and instance roles, AddJobFlowSteps /
 * DescribeStep / TerminateJobFlows on the cluster); the teardown's those of
 * src/emr-pipeline/private/teardown.ts (ListClusters, then TerminateJobFlows on each cluster of the
 * execution); the rule's target role starts the teardown (EventBridge's Step Functions target); the
 * security-group cleanup revokes the rules between the groups it owns
 * (src/emr-pipeline/security-group-cleanup.lambda.ts).
 * Cluster ids have EMR's `j-` form (EMR API reference, ClusterId).
 */
const stack = new Stack(new App(), 'Stack');
const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
const pipeline = new EmrPipeline(stack, 'Pipeline', { vpc });
const otherRole = new iam.Role(stack, 'OtherRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
const otherGroup = new ec2.SecurityGroup(stack, 'OtherGroup', { vpc });
const groupArn = (group: ec2.ISecurityGroup) => stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: group.securityGroupId });

const machine = pipeline.stateMachine.role;
const teardown = pipeline.teardownStateMachine.role;
const rule = roleAt(pipeline, 'Teardown/StateMachine/EventsRole');
const cleanup = roleAt(pipeline, 'SecurityGroups/CleanupHandlerServiceRole');
const cluster = `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-2AXXXXXXGAPLF`;
const clusterElsewhere = `arn:aws:elasticmapreduce:${REGION}:222222222222:cluster/j-2AXXXXXXGAPLF`;
// The service-linked role EMR's optimized integration may create (its IAM policy, above), by service name.
const cleanupRole = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup`;
const createRole = (service: string): Call => ({ who: machine, action: 'iam:CreateServiceLinkedRole', resource: cleanupRole, context: { 'iam:AWSServiceName': service } });

const ALLOWED: [string, Call][] = [
  ['the state machine: elasticmapreduce:RunJobFlow', { who: machine, action: 'elasticmapreduce:RunJobFlow', resource: '*' }],
  ['the state machine: iam:PassRole on the EMR service role', { who: machine, action: 'iam:PassRole', resource: pipeline.serviceRole.roleArn }],
  ['the state machine: iam:PassRole on the instance role', { who: machine, action: 'iam:PassRole', resource: pipeline.instanceRole.roleArn }],
  ['the state machine: elasticmapreduce:AddJobFlowSteps on its cluster', { who: machine, action: 'elasticmapreduce:AddJobFlowSteps', resource: cluster }],
  ['the state machine: elasticmapreduce:DescribeStep on its cluster', { who: machine, action: 'elasticmapreduce:DescribeStep', resource: cluster }],
  ['the state machine: elasticmapreduce:TerminateJobFlows on its cluster', { who: machine, action: 'elasticmapreduce:TerminateJobFlows', resource: cluster }],
  ["the state machine: iam:CreateServiceLinkedRole for EMR's cleanup role", createRole('elasticmapreduce.amazonaws.com')],
  ['the teardown: elasticmapreduce:ListClusters', { who: teardown, action: 'elasticmapreduce:ListClusters', resource: '*' }],
  ['the teardown: elasticmapreduce:TerminateJobFlows on a cluster of the execution', { who: teardown, action: 'elasticmapreduce:TerminateJobFlows', resource: cluster }],
  ["the teardown rule's target: states:StartExecution on the teardown", { who: rule, action: 'states:StartExecution', resource: pipeline.teardownStateMachine.stateMachineArn }],
  ...(['primary', 'coreAndTask', 'serviceAccess'] as const).flatMap((name) => ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress']
    .map((action): [string, Call] => [`the security-group cleanup: ${action} on the ${name} group`, { who: cleanup, action, resource: groupArn(pipeline.securityGroups[name]!) }])),
  ['the security-group cleanup: ec2:DescribeSecurityGroupRules', { who: cleanup, action: 'ec2:DescribeSecurityGroupRules', resource: '*' }],
];

const DENIED: [string, Call][] = [
  ['the state machine: iam:PassRole on another role', { who: machine, action: 'iam:PassRole', resource: otherRole.roleArn }],
  ['the state machine: elasticmapreduce:AddJobFlowSteps on a cluster of another account', { who: machine, action: 'elasticmapreduce:AddJobFlowSteps', resource: clusterElsewhere }],
  ['the state machine: iam:CreateServiceLinkedRole named for another service', createRole('ec2.amazonaws.com')],
  ['the teardown: elasticmapreduce:TerminateJobFlows on a cluster of another account', { who: teardown, action: 'elasticmapreduce:TerminateJobFlows', resource: clusterElsewhere }],
  ['the teardown: elasticmapreduce:RunJobFlow', { who: teardown, action: 'elasticmapreduce:RunJobFlow', resource: '*' }],
  ['the teardown: iam:PassRole on the instance role', { who: teardown, action: 'iam:PassRole', resource: pipeline.instanceRole.roleArn }],
  ["the teardown rule's target: states:StartExecution on the pipeline's state machine", { who: rule, action: 'states:StartExecution', resource: pipeline.stateMachine.stateMachineArn }],
  ['the security-group cleanup: ec2:RevokeSecurityGroupIngress on another group', { who: cleanup, action: 'ec2:RevokeSecurityGroupIngress', resource: groupArn(otherGroup) }],
];

describe('EmrPipeline permissions', () => {
  test.each(ALLOWED)('allowed: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toBe('Allowed');
  });
  test.each(DENIED)('denied: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toMatch(/Denied$/);
  });
});
