// aws-local-stepfunctions 3 declares Node >= 22 and calls Promise.withResolvers (Node 22+). This
// machine and CI run Node 20, so that one function is supplied here, before the library runs.
if (typeof (Promise as any).withResolvers !== 'function') {
  (Promise as any).withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// The package's types are ESM-only; jest loads its CommonJS build, so only the types come via import.
import type * as LocalSfn from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const localSfn: typeof LocalSfn = require('aws-local-stepfunctions');

/** aws-local-stepfunctions' StateMachine: runs Amazon States Language locally. */
export const LocalStateMachine = localSfn.StateMachine;
