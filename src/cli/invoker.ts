import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ReportLine, decodeLogResult, parseReportLine } from './log-tail';
import { UsageError } from './options';

/**
 * What became of one request:
 * - `success`: the function ran and returned;
 * - `function-error`: the function ran and failed (`X-Amz-Function-Error`: an exception, a timeout);
 * - `throttled`: Lambda refused to run it (`TooManyRequestsException`, HTTP 429);
 * - `error`: any other failure (network, permissions, service errors);
 * - `aborted`: still in flight when the run was interrupted, and given up.
 */
export type Outcome = 'success' | 'function-error' | 'throttled' | 'error' | 'aborted';

export interface InvocationResult {
  readonly qualifier: string;
  readonly outcome: Outcome;
  /** Wall-clock time of the request as the caller saw it (signing, network, queueing and the function). */
  readonly latencyMs: number;
  /** The report of the log tail (REPORT line or `platform.report` record), when the function ran and the tail had one. */
  readonly report?: ReportLine;
  /** The SDK error name, or the function's `errorType` (or `X-Amz-Function-Error`) on a function error. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Sends one request to one qualifier; never throws (every failure is a result). */
export type Invoke = (qualifier: string, signal: AbortSignal) => Promise<InvocationResult>;

const THROTTLE_CODES = new Set(['TooManyRequestsException', 'ThrottlingException']);

interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly Reason?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

export function createInvoker(client: LambdaClient, functionName: string, payload: string | undefined): Invoke {
  const body = payload === undefined ? undefined : new TextEncoder().encode(payload);
  return async (qualifier, signal) => {
    const started = performance.now();
    try {
      const response = await client.send(new InvokeCommand({
        FunctionName: functionName,
        Qualifier: qualifier,
        InvocationType: 'RequestResponse',
        LogType: 'Tail',
        Payload: body,
      }), { abortSignal: signal });
      const latencyMs = performance.now() - started;
      const report = response.LogResult ? parseReportLine(decodeLogResult(response.LogResult)) : undefined;
      if (response.FunctionError) {
        const { errorType, errorMessage } = functionErrorDetails(response.Payload);
        return {
          qualifier,
          outcome: 'function-error',
          latencyMs,
          report,
          errorCode: errorType ?? response.FunctionError,
          errorMessage: errorMessage ?? `FunctionError: ${response.FunctionError}`,
        };
      }
      return { qualifier, outcome: 'success', latencyMs, report };
    } catch (e) {
      const latencyMs = performance.now() - started;
      const error = e as SdkError;
      const code = error.name ?? 'Error';
      const message = error.message ?? String(e);
      if (signal.aborted) {
        return { qualifier, outcome: 'aborted', latencyMs, errorCode: code, errorMessage: message };
      }
      if (THROTTLE_CODES.has(code) || error.$metadata?.httpStatusCode === 429) {
        const reason = error.Reason ? ` (${error.Reason})` : '';
        return { qualifier, outcome: 'throttled', latencyMs, errorCode: code, errorMessage: `${message}${reason}` };
      }
      return { qualifier, outcome: 'error', latencyMs, errorCode: code, errorMessage: message };
    }
  };
}

function functionErrorDetails(payload: Uint8Array | undefined): { errorType?: string; errorMessage?: string } {
  if (!payload || payload.length === 0) {
    return {};
  }
  try {
    const parsed = JSON.parse(new TextDecoder().decode(payload)) as { errorType?: unknown; errorMessage?: unknown };
    return {
      errorType: typeof parsed.errorType === 'string' ? parsed.errorType : undefined,
      errorMessage: typeof parsed.errorMessage === 'string' ? parsed.errorMessage : undefined,
    };
  } catch {
    return {};
  }
}

/** A problem that stops the probe before it starts (credentials, region, permissions). */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

/**
 * Checks, without running the function, that it exists under this qualifier and that we may invoke it
 * (`InvocationType: DryRun`), so that a typo is one clear message rather than a report full of errors.
 */
export async function checkInvokable(client: LambdaClient, functionName: string, qualifier: string): Promise<void> {
  try {
    await client.send(new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, InvocationType: 'DryRun' }));
  } catch (e) {
    const error = e as SdkError;
    if (error.name === 'ResourceNotFoundException') {
      throw new UsageError(
        `function ${functionName} with qualifier ${qualifier} was not found (${error.message}); check the name, --qualifier and --region`);
    }
    throw new SetupError(`cannot invoke ${functionName}:${qualifier}: ${error.name ?? 'Error'}: ${error.message ?? String(e)}`);
  }
}
