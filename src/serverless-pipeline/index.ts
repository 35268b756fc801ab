export * from './pipeline-source';
export * from './latency-gate';
export * from './serverless-pipeline';
