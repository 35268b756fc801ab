import type { ChildProcess } from 'child_process';

/** Stops the cfn-lint server that global-setup started (jest shares globals between the two). */
export default async function globalTeardown(): Promise<void> {
  ((globalThis as any).__CFN_LINT_SERVER__ as ChildProcess | undefined)?.kill();
}
