import { GetProvisionedConcurrencyConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';

/**
 * The provisioned concurrency of one qualifier, as Lambda reports it. `status` is Lambda's own
 * (`READY`, `IN_PROGRESS`, `FAILED`), `none` when the qualifier has no provisioned concurrency, or
 * `unknown` when it could not be read (the report still goes on: reading it needs its own permission,
 * `lambda:GetProvisionedConcurrencyConfig`).
 */
export interface ProvisionedConcurrencyStatus {
  readonly status: string;
  readonly requested?: number;
  readonly allocated?: number;
  readonly available?: number;
  /** Lambda's reason for a FAILED status, or why the status is unknown. */
  readonly reason?: string;
}

export async function getProvisionedConcurrency(
  client: LambdaClient, functionName: string, qualifier: string): Promise<ProvisionedConcurrencyStatus> {
  // $LATEST cannot have provisioned concurrency: only published versions and aliases can.
  if (qualifier === '$LATEST') {
    return { status: 'none' };
  }
  try {
    const config = await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: qualifier }));
    return {
      status: config.Status ?? 'unknown',
      requested: config.RequestedProvisionedConcurrentExecutions,
      allocated: config.AllocatedProvisionedConcurrentExecutions,
      available: config.AvailableProvisionedConcurrentExecutions,
      reason: config.StatusReason,
    };
  } catch (e) {
    const error = e as { name?: string; message?: string };
    if (error.name === 'ProvisionedConcurrencyConfigNotFoundException') {
      return { status: 'none' };
    }
    return { status: 'unknown', reason: `${error.name ?? 'Error'}: ${error.message ?? String(e)}` };
  }
}
