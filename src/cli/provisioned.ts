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

/**
 * Waits while any qualifier's provisioned concurrency is still being allocated (`IN_PROGRESS`: after a
 * new version is published or the value changed, Lambda allocates the environments over minutes, and
 * requests in that time may start cold), at most `timeoutMs`, polling every `pollMs`. Returns the
 * statuses last read; stops early when `signal` aborts.
 */
export async function waitUntilAllocated(
  client: LambdaClient, functionName: string, qualifiers: readonly string[], statuses: ProvisionedConcurrencyStatus[],
  options: { timeoutMs: number; pollMs: number; signal?: AbortSignal; onWait?: (pending: string[]) => void },
): Promise<ProvisionedConcurrencyStatus[]> {
  const deadline = Date.now() + options.timeoutMs;
  let current = statuses;
  for (;;) {
    const pending = qualifiers.filter((_, i) => current[i].status === 'IN_PROGRESS');
    if (pending.length === 0 || Date.now() >= deadline || options.signal?.aborted) return current;
    options.onWait?.(pending.map((q) => {
      const s = current[qualifiers.indexOf(q)];
      return `${q} (${s.allocated ?? 0} of ${s.requested ?? '?'} allocated)`;
    }));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(options.pollMs, Math.max(0, deadline - Date.now())));
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    current = await Promise.all(qualifiers.map((q) => getProvisionedConcurrency(client, functionName, q)));
  }
}
