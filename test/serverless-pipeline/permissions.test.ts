import * as iam from 'aws-cdk-lib/aws-iam';
import { ServiceStage, build, newPipeline } from './fixtures';
import { LatencyGate } from '../../src/serverless-pipeline';
import { ACCOUNT, Call, REGION, simulate } from '../support/permissions';

/**
 * The calls ServerlessPipeline's latency gates make at run time, simulated against the policies the
 * pipeline stack synthesizes (test/support/permissions.ts): the gate's CodeBuild role runs the probe,
 * which invokes the alias it probes and reads its provisioned concurrency (src/cli/provisioned.ts,
 * src/cli/invoker.ts); anything else in Lambda is denied. The function's name is the one
 * CloudFormation generates for a function without FunctionName (`<stack name>-<logical id>-<suffix>`,
 * CloudFormation user guide, "Name type"), here for the stage's stack `Beta-Service`.
 */
const { app, stack, pipeline } = newPipeline();
const beta = new ServiceStage(app, 'Beta');
const prod = new ServiceStage(app, 'Prod');
pipeline.addStage(beta, { latencyGates: [LatencyGate.forAlias(beta.alias)] });
pipeline.addStage(prod, { latencyGates: [LatencyGate.forAlias(prod.alias)] });
build(stack, pipeline);

const gate = (stage: string) => stack.node.findAll().find((c): c is iam.Role => c instanceof iam.Role && c.node.path.endsWith(`/${stage}/LatencyGate/LatencyGate/Role`))!;
const fn = (stage: string, qualifier?: string) =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${stage}-Service-HandlerE1F2A3B4-AbCdEfGhIjKl${qualifier ? `:${qualifier}` : ''}`;

describe('ServerlessPipeline permissions', () => {
  test('the gates exist', () => {
    expect([gate('Beta'), gate('Prod')].map((r) => r?.node.path)).toEqual([expect.stringMatching(/Beta/), expect.stringMatching(/Prod/)]);
  });

  test.each<[string, Call]>([
    ["Beta's gate: lambda:InvokeFunction on function:<name>:live", { who: gate('Beta'), action: 'lambda:InvokeFunction', resource: fn('Beta', 'live') }],
    ["Beta's gate: lambda:GetProvisionedConcurrencyConfig on function:<name>:live", { who: gate('Beta'), action: 'lambda:GetProvisionedConcurrencyConfig', resource: fn('Beta', 'live') }],
    ["Prod's gate: lambda:InvokeFunction on function:<name>:live", { who: gate('Prod'), action: 'lambda:InvokeFunction', resource: fn('Prod', 'live') }],
  ])('allowed: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toBe('Allowed');
  });

  test.each<[string, Call]>([
    ["Beta's gate: lambda:InvokeFunction on the function unqualified ($LATEST)", { who: gate('Beta'), action: 'lambda:InvokeFunction', resource: fn('Beta') }],
    ["Beta's gate: lambda:InvokeFunction on another alias", { who: gate('Beta'), action: 'lambda:InvokeFunction', resource: fn('Beta', 'canary') }],
    ["Beta's gate: lambda:InvokeFunction on Prod's alias", { who: gate('Beta'), action: 'lambda:InvokeFunction', resource: fn('Prod', 'live') }],
    ["Beta's gate: lambda:UpdateAlias on its alias", { who: gate('Beta'), action: 'lambda:UpdateAlias', resource: fn('Beta', 'live') }],
    ["Beta's gate: lambda:InvokeFunction on the alias in another account",
      { who: gate('Beta'), action: 'lambda:InvokeFunction', resource: fn('Beta', 'live').replace(ACCOUNT, '222222222222') }],
  ])('denied: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toMatch(/Denied$/);
  });
});
