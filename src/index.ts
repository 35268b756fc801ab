// The jsii API: one line per construct folder.
export * from './provisioned-function';
export * from './durable-subscriber';
export * from './serverless-pipeline';
export * from './stream-processor';
export * from './emr-pipeline';
export * from './aurora-iam-function';
export * from './service-dashboard';
