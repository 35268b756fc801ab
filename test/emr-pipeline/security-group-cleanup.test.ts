import * as path from 'path';
import {
  DescribeSecurityGroupRulesCommand, EC2Client, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand,
  SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCOUNT, checkEc2Shape } from './aws-shapes';
import { handler, revokeCrossReferences } from '../../src/emr-pipeline/security-group-cleanup.lambda';

/**
 * The security-group cleanup handler with EC2 mocked. Every stubbed result and every request the
 * handler sends is checked against the EC2 API model of the aws-sdk v2 package
 * (apis/ec2-2016-11-15.min.json: DescribeSecurityGroupRules, RevokeSecurityGroupIngress/Egress),
 * so neither side can drift from what EC2 defines. The rule set is the one the EMR Management
 * Guide ("Working with Amazon EMR-managed security groups") lists for a cluster in a private
 * subnet: primary and core/task accept all traffic from each other and from themselves, both accept
 * 8443 from the service access group, which accepts 9443 from the primary group and sends 8443 to
 * both; primary also accepts 8443 from AWS address ranges (here one range stands for them).
 */
const ec2 = mockClient(EC2Client);
const PRIMARY = 'sg-0aaaaaaaaaaaaaaa1';
const CORE = 'sg-0bbbbbbbbbbbbbbb2';
const ACCESS = 'sg-0ccccccccccccccc3';
const GROUPS = [PRIMARY, CORE, ACCESS];
const VPC = 'vpc-0123456789abcdef0';

let ruleNumber = 0;
type Peer = { group?: string; cidr?: string };

function rule(groupId: string, egress: boolean, ipProtocol: string, ports: [number, number], peer: Peer): SecurityGroupRule {
  ruleNumber += 1;
  return {
    SecurityGroupRuleId: `sgr-${String(ruleNumber).padStart(17, '0')}`,
    GroupId: groupId,
    GroupOwnerId: ACCOUNT,
    IsEgress: egress,
    IpProtocol: ipProtocol,
    FromPort: ports[0],
    ToPort: ports[1],
    ...(peer.cidr ? { CidrIpv4: peer.cidr } : {}),
    ...(peer.group ? { ReferencedGroupInfo: { GroupId: peer.group, UserId: ACCOUNT } } : {}),
    Tags: [],
  };
}

const all = (groupId: string, egress: boolean, peer: Peer) => [
  rule(groupId, egress, 'tcp', [0, 65535], peer),
  rule(groupId, egress, 'udp', [0, 65535], peer),
  rule(groupId, egress, 'icmp', [-1, -1], peer),
];

/** Rules EMR adds for a private-subnet cluster (see the file comment), and the groups' outbound-all rules. */
function emrRules() {
  ruleNumber = 0;
  const selfPrimary = all(PRIMARY, false, { group: PRIMARY });
  const primaryFromCore = all(PRIMARY, false, { group: CORE });
  const primaryFromAccess = [rule(PRIMARY, false, 'tcp', [8443, 8443], { group: ACCESS })];
  const primaryFromAws = [rule(PRIMARY, false, 'tcp', [8443, 8443], { cidr: '3.5.0.0/16' })];
  const selfCore = all(CORE, false, { group: CORE });
  const coreFromPrimary = all(CORE, false, { group: PRIMARY });
  const coreFromAccess = [rule(CORE, false, 'tcp', [8443, 8443], { group: ACCESS })];
  const accessFromPrimary = [rule(ACCESS, false, 'tcp', [9443, 9443], { group: PRIMARY })];
  const accessToPrimary = [rule(ACCESS, true, 'tcp', [8443, 8443], { group: PRIMARY })];
  const accessToCore = [rule(ACCESS, true, 'tcp', [8443, 8443], { group: CORE })];
  const outboundAll = [rule(PRIMARY, true, '-1', [-1, -1], { cidr: '0.0.0.0/0' }), rule(CORE, true, '-1', [-1, -1], { cidr: '0.0.0.0/0' })];
  return {
    rules: [
      ...selfPrimary, ...primaryFromCore, ...primaryFromAccess, ...primaryFromAws, ...selfCore, ...coreFromPrimary,
      ...coreFromAccess, ...accessFromPrimary, ...accessToPrimary, ...accessToCore, ...outboundAll,
    ],
    ids: (rules: SecurityGroupRule[]) => rules.map((r) => r.SecurityGroupRuleId!),
    crossIngress: {
      [PRIMARY]: [...primaryFromCore, ...primaryFromAccess],
      [CORE]: [...coreFromPrimary, ...coreFromAccess],
      [ACCESS]: accessFromPrimary,
    },
    crossEgress: { [ACCESS]: [...accessToPrimary, ...accessToCore] },
  };
}

/** DescribeSecurityGroupRules requests, copied when sent (the SDK's paginator reuses one input object). */
let describeRequests: unknown[] = [];

/**
 * Stubs DescribeSecurityGroupRules as EC2 pages: the request's NextToken selects the page, each
 * page but the last carries the next token; every result is checked against the model.
 */
function stubRules(...pages: SecurityGroupRule[][]) {
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake((input) => {
    describeRequests.push(structuredClone(input));
    checkEc2Shape('DescribeSecurityGroupRules', 'input', input);
    const index = input.NextToken === undefined ? 0 : Number(/^token-(\d+)$/.exec(input.NextToken)![1]);
    const result = { SecurityGroupRules: pages[index], ...(index < pages.length - 1 ? { NextToken: `token-${index + 1}` } : {}) };
    checkEc2Shape('DescribeSecurityGroupRules', 'output', result);
    return result;
  });
  // A Revoke result as EC2 returns it (Return true, no unknown permissions).
  const revoked = { Return: true };
  checkEc2Shape('RevokeSecurityGroupIngress', 'output', revoked);
  checkEc2Shape('RevokeSecurityGroupEgress', 'output', revoked);
  ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked);
  ec2.on(RevokeSecurityGroupEgressCommand).resolves(revoked);
}

/** The requests the handler sent, each checked against the model. */
function sent() {
  const requests = (command: any, operation: string) => ec2.commandCalls(command).map((call) => {
    const input = call.args[0].input as any;
    checkEc2Shape(operation, 'input', input);
    return input;
  });
  return {
    describe: describeRequests.map((input) => JSON.parse(JSON.stringify(input))),
    ingress: requests(RevokeSecurityGroupIngressCommand, 'RevokeSecurityGroupIngress'),
    egress: requests(RevokeSecurityGroupEgressCommand, 'RevokeSecurityGroupEgress'),
  };
}

const byGroup = (requests: Array<{ GroupId: string; SecurityGroupRuleIds: string[] }>) =>
  Object.fromEntries(requests.map((r) => [r.GroupId, [...r.SecurityGroupRuleIds].sort()]));

function event(requestType: 'Create' | 'Update' | 'Delete', groupIds = GROUPS): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:provider`,
    ResponseURL: 'https://example.invalid/response',
    StackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/Stack/guid`,
    RequestId: 'request',
    LogicalResourceId: 'PipelineSecurityGroupsCleanup',
    ResourceType: 'Custom::EmrSecurityGroupCleanup',
    ResourceProperties: { ServiceToken: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:provider`, GroupIds: groupIds },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  if (requestType === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: GROUPS.join(','), OldResourceProperties: base.ResourceProperties };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: GROUPS.join(',') };
}

beforeEach(() => {
  ec2.reset();
  describeRequests = [];
});

describe('revokeCrossReferences', () => {
  test('revokes every rule between two different groups of the set, one call per group and direction', async () => {
    const { rules, ids, crossIngress, crossEgress } = emrRules();
    stubRules(rules);
    const revoked = await revokeCrossReferences(new EC2Client({}), GROUPS);

    const requests = sent();
    expect(requests.describe).toEqual([{ Filters: [{ Name: 'group-id', Values: GROUPS }] }]);
    expect(byGroup(requests.ingress)).toEqual({
      [PRIMARY]: ids(crossIngress[PRIMARY]).sort(),
      [CORE]: ids(crossIngress[CORE]).sort(),
      [ACCESS]: ids(crossIngress[ACCESS]).sort(),
    });
    expect(byGroup(requests.egress)).toEqual({ [ACCESS]: ids(crossEgress[ACCESS]).sort() });
    expect(requests.ingress).toHaveLength(3);
    expect(requests.egress).toHaveLength(1);
    expect(revoked.sort()).toEqual([...Object.values(crossIngress), ...Object.values(crossEgress)].flatMap(ids).sort());
  });

  test('leaves rules on a group itself, on address ranges and on groups outside the set', async () => {
    const { rules, crossIngress, crossEgress } = emrRules();
    const outside = rule(CORE, false, 'tcp', [5432, 5432], { group: 'sg-0ddddddddddddddd4' });
    stubRules([...rules, outside]);
    const revoked = await revokeCrossReferences(new EC2Client({}), GROUPS);

    const kept = [...rules, outside].filter((r) => !revoked.includes(r.SecurityGroupRuleId!));
    expect(kept.length).toBe(rules.length + 1 - [...Object.values(crossIngress), ...Object.values(crossEgress)].flat().length);
    for (const r of kept) {
      const referenced = r.ReferencedGroupInfo?.GroupId;
      expect(referenced === undefined || referenced === r.GroupId || !GROUPS.includes(referenced)).toBe(true);
    }
    expect(kept).toContainEqual(outside);
  });

  test('reads every page of rules (NextToken) before revoking', async () => {
    const { rules, ids, crossIngress } = emrRules();
    const half = Math.ceil(rules.length / 2);
    stubRules(rules.slice(0, half), rules.slice(half));
    await revokeCrossReferences(new EC2Client({}), GROUPS);

    const requests = sent();
    expect(requests.describe).toEqual([
      { Filters: [{ Name: 'group-id', Values: GROUPS }] },
      { Filters: [{ Name: 'group-id', Values: GROUPS }], NextToken: 'token-1' },
    ]);
    expect(byGroup(requests.ingress)[PRIMARY]).toEqual(ids(crossIngress[PRIMARY]).sort());
  });

  test('public subnets (no service access group): only primary <-> core/task is revoked', async () => {
    ruleNumber = 0;
    const cross = [...all(PRIMARY, false, { group: CORE }), ...all(CORE, false, { group: PRIMARY })];
    const rules = [...all(PRIMARY, false, { group: PRIMARY }), ...cross, rule(PRIMARY, false, 'tcp', [8443, 8443], { cidr: '3.5.0.0/16' })];
    stubRules(rules);
    const revoked = await revokeCrossReferences(new EC2Client({}), [PRIMARY, CORE]);

    expect(revoked.sort()).toEqual(cross.map((r) => r.SecurityGroupRuleId).sort());
    expect(sent().egress).toEqual([]);
  });

  test('nothing to revoke (no cluster ever ran): only the read', async () => {
    stubRules([rule(PRIMARY, true, '-1', [-1, -1], { cidr: '0.0.0.0/0' })]);
    expect(await revokeCrossReferences(new EC2Client({}), GROUPS)).toEqual([]);
    const requests = sent();
    expect(requests.describe).toHaveLength(1);
    expect([...requests.ingress, ...requests.egress]).toEqual([]);
  });

  test('a failed revoke fails the cleanup (CloudFormation then reports it instead of a DependencyViolation later)', async () => {
    const { rules } = emrRules();
    stubRules(rules);
    const denied = Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' });
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(denied);
    await expect(revokeCrossReferences(new EC2Client({}), GROUPS)).rejects.toThrow(/not authorized/);
  });
});

describe('handler', () => {
  test('Create and Update change nothing and name the groups as the physical id', async () => {
    for (const type of ['Create', 'Update'] as const) {
      expect(await handler(event(type))).toEqual({ PhysicalResourceId: GROUPS.join(',') });
    }
    expect(ec2.calls()).toHaveLength(0);
  });

  test('replaced groups get a new physical id, so CloudFormation deletes (cleans) the old ones after the update', async () => {
    const replaced = [PRIMARY, CORE, 'sg-0eeeeeeeeeeeeeee5'];
    expect((await handler(event('Update', replaced))).PhysicalResourceId).toBe(replaced.join(','));
  });

  test('Delete revokes the cross references of the groups in its properties', async () => {
    const { rules, ids, crossEgress } = emrRules();
    stubRules(rules);
    expect(await handler(event('Delete'))).toEqual({ PhysicalResourceId: GROUPS.join(',') });
    const requests = sent();
    expect(requests.ingress).toHaveLength(3);
    expect(byGroup(requests.egress)).toEqual({ [ACCESS]: ids(crossEgress[ACCESS]).sort() });
  });

  test('the bundled asset (assets/, built by `projen bundle`) behaves the same', async () => {
    const bundle = path.join(__dirname, '..', '..', 'assets', 'emr-pipeline', 'security-group-cleanup.lambda', 'index.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundled = require(bundle) as { handler: typeof handler };
    const { rules } = emrRules();
    stubRules(rules);
    await bundled.handler(event('Delete'));
    const requests = sent();
    expect(requests.ingress).toHaveLength(3);
    expect(requests.egress).toHaveLength(1);
  });
});

describe('the EC2 stand-ins are checked', () => {
  test('a member the API model does not define, or a wrong type, is refused', () => {
    expect(() => checkEc2Shape('DescribeSecurityGroupRules', 'output', { securityGroupRules: [] })).toThrow(/securityGroupRules: not a member/);
    expect(() => checkEc2Shape('DescribeSecurityGroupRules', 'output', { SecurityGroupRules: [{ IsEgress: 'false' }] })).toThrow(/IsEgress: expected a boolean/);
    expect(() => checkEc2Shape('DescribeSecurityGroupRules', 'output', { SecurityGroupRules: [{ ReferencedGroupInfo: { GroupID: VPC } }] })).toThrow(/GroupID: not a member/);
    expect(() => checkEc2Shape('RevokeSecurityGroupEgress', 'input', { GroupId: ACCESS, RuleIds: [] })).toThrow(/RuleIds: not a member/);
  });
});
