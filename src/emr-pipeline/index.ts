export * from './emr-pipeline';
