import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges one granular cdk-nag finding whose id holds more than one `::`, which
 * `Validations.acknowledge` (and so `acknowledgeNagRule`) rejects as a malformed prefix: e.g. the
 * managed-policy finding `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/...]`.
 * It records the finding in the same construct metadata `Validations.acknowledge` writes, which
 * cdk-nag reads; use `acknowledgeNagRule` for every other id.
 *
 * @param scope the construct the finding is about (acknowledgements apply to it and its children)
 * @param findingId the exact granular finding id cdk-nag reports
 * @param reason why the finding is acceptable here
 */
export function acknowledgeNagFinding(scope: IConstruct, findingId: string, reason: string): void {
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [findingId]: reason });
}
