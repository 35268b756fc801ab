// The jsii API: one line per construct folder.
export * from './aurora-iam-function';
