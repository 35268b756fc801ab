import {
  EC2Client, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand,
  SecurityGroupRule, paginateDescribeSecurityGroupRules,
} from '@aws-sdk/client-ec2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** Properties of the Custom::EmrSecurityGroupCleanup resource (CloudFormation passes them as strings). */
export interface SecurityGroupCleanupProperties {
  /** The EMR-managed security groups of the pipeline (primary, core/task, and service access if any). */
  readonly GroupIds: string[];
}

/** What the handler returns to the custom-resource Provider framework. */
export interface SecurityGroupCleanupResponse {
  readonly PhysicalResourceId: string;
}

const ec2 = new EC2Client({});

/**
 * onEvent handler of the pipeline's security-group cleanup (custom_resources.Provider). EMR adds
 * rules to the managed security groups that reference one another (primary <-> core/task, service
 * access <-> primary and core/task); EC2 refuses to delete a group another group's rule references
 * (DependencyViolation), so CloudFormation could not delete them. On Delete, which CloudFormation
 * runs before it deletes the groups, those rules are revoked.
 */
export async function handler(event: CloudFormationCustomResourceEvent): Promise<SecurityGroupCleanupResponse> {
  const { GroupIds: groupIds } = event.ResourceProperties as unknown as SecurityGroupCleanupProperties;
  if (event.RequestType === 'Delete') {
    await revokeCrossReferences(ec2, groupIds);
  }
  // The id names the groups: when they are replaced, CloudFormation deletes this resource for the
  // old ones (and so cleans them) after the update.
  return { PhysicalResourceId: groupIds.join(',') };
}

/**
 * Revokes every ingress and egress rule of `groupIds` that references another group of
 * `groupIds`. A group's rules referencing itself, an address range or a group outside the set do
 * not keep any of them from being deleted and are left alone. Returns the revoked rule ids.
 */
export async function revokeCrossReferences(client: EC2Client, groupIds: string[]): Promise<string[]> {
  const rules: SecurityGroupRule[] = [];
  const pages = paginateDescribeSecurityGroupRules({ client }, { Filters: [{ Name: 'group-id', Values: groupIds }] });
  for await (const page of pages) rules.push(...page.SecurityGroupRules ?? []);

  // Rule ids per group and direction: one Revoke call each.
  const toRevoke = new Map<string, { groupId: string; egress: boolean; ruleIds: string[] }>();
  for (const rule of rules) {
    const referenced = rule.ReferencedGroupInfo?.GroupId;
    if (!rule.GroupId || !rule.SecurityGroupRuleId || !referenced || referenced === rule.GroupId || !groupIds.includes(referenced)) continue;
    const egress = rule.IsEgress === true;
    const key = `${rule.GroupId}/${egress}`;
    const entry = toRevoke.get(key) ?? { groupId: rule.GroupId, egress, ruleIds: [] };
    entry.ruleIds.push(rule.SecurityGroupRuleId);
    toRevoke.set(key, entry);
  }
  for (const { groupId, egress, ruleIds } of toRevoke.values()) {
    const request = { GroupId: groupId, SecurityGroupRuleIds: ruleIds };
    if (egress) await client.send(new RevokeSecurityGroupEgressCommand(request));
    else await client.send(new RevokeSecurityGroupIngressCommand(request));
  }
  return [...toRevoke.values()].flatMap((entry) => entry.ruleIds);
}
