import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeNagRule } from './nag';

/**
 * Acknowledges one granular cdk-nag finding, such as
 * `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:...:*]`.
 *
 * `Validations.acknowledge` refuses ids with more than one `::`, which every finding on an ARN
 * built from pseudo parameters has. Such ids are recorded directly in the same
 * acknowledged-rules metadata (`Validations.ACKNOWLEDGED_RULES_METADATA_KEY`) that
 * `Validations.acknowledge` writes and cdk-nag reads; other ids go through `acknowledgeNagRule`.
 */
export function acknowledgeNagFinding(scope: IConstruct, findingId: string, reason: string): void {
  if (findingId.split('::').length <= 2) {
    acknowledgeNagRule(scope, findingId, reason);
    return;
  }
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [findingId]: reason });
}
