export * from './emr-pipeline';
export * from './states';
