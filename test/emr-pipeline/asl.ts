import { Template } from 'aws-cdk-lib/assertions';
import { resolveDefinition } from '../support/judges/state-machines';

/**
 * The Amazon States Language definition of a synthesized state machine, parsed, with references to
 * other resources replaced by placeholders (`ref-<LogicalId>`), so the definition can be executed locally.
 */
export function stateMachineDefinition(template: Template, logicalIdPattern: RegExp): any {
  const machines = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter(([logicalId]) => logicalIdPattern.test(logicalId));
  if (machines.length !== 1) {
    throw new Error(`expected one state machine matching ${logicalIdPattern}, found ${machines.map(([id]) => id).join(', ') || 'none'}`);
  }
  return resolveDefinition(machines[0][1].Properties).definition;
}
