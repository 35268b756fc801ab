import { Template } from 'aws-cdk-lib/assertions';

/** Values for the pseudo parameters a synthesized definition refers to. */
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Turns one `Fn::Join` part into text: pseudo parameters get real values, references placeholders. */
function partToText(part: unknown): string {
  if (typeof part === 'string') return part;
  const token = part as Record<string, unknown>;
  if (typeof token.Ref === 'string') {
    return PSEUDO[token.Ref] ?? `ref-${token.Ref}`;
  }
  if (Array.isArray(token['Fn::GetAtt'])) {
    const [logicalId, attribute] = token['Fn::GetAtt'] as string[];
    return `arn:aws:states:us-east-1:123456789012:${logicalId}-${attribute}`;
  }
  throw new Error(`unexpected token in a state machine definition: ${JSON.stringify(part)}`);
}

/**
 * The Amazon States Language definition of a synthesized state machine, parsed: its
 * `DefinitionString` (a string or an `Fn::Join`) with pseudo parameters resolved and references to
 * other resources replaced by placeholders, so the definition can be executed locally.
 */
export function stateMachineDefinition(template: Template, logicalIdPattern: RegExp): any {
  const machines = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter(([logicalId]) => logicalIdPattern.test(logicalId));
  if (machines.length !== 1) {
    throw new Error(`expected one state machine matching ${logicalIdPattern}, found ${machines.map(([id]) => id).join(', ') || 'none'}`);
  }
  const definition = machines[0][1].Properties.DefinitionString;
  if (typeof definition === 'string') return JSON.parse(definition);
  const [separator, parts] = definition['Fn::Join'] as [string, unknown[]];
  return JSON.parse(parts.map(partToText).join(separator));
}
