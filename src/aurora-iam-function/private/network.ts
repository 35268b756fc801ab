import { Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';

/** PostgreSQL's port: RDS Proxy always listens on it for the POSTGRESQL engine family. */
export const POSTGRES_PORT = 5432;

/** Private subnets with egress if the VPC has them (a NAT reaches Secrets Manager), else isolated ones. */
export function defaultPrivateSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return { subnetType: vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED };
}

/** Subnets of a cluster and proxy: isolated ones if the VPC has them, else private subnets with egress. */
export function defaultDatabaseSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return { subnetType: vpc.isolatedSubnets.length > 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS };
}

/** Where the function connects (DB_HOST, DB_PORT): the proxy, when there is one, else the cluster's endpoint. */
export function databaseEndpoint(cluster: rds.IDatabaseCluster, proxy?: rds.DatabaseProxy): { host: string; port: string } {
  return proxy
    ? { host: proxy.endpoint, port: String(POSTGRES_PORT) }
    : { host: cluster.clusterEndpoint.hostname, port: Tokenization.stringifyNumber(cluster.clusterEndpoint.port) };
}

/** Opens the database port of the proxy, or else of the cluster, to `client`, and nothing else. */
export function allowDatabasePortFrom(client: ec2.IConnectable, cluster: rds.IDatabaseCluster, proxy?: rds.DatabaseProxy): void {
  if (proxy) {
    proxy.connections.allowFrom(client, ec2.Port.tcp(POSTGRES_PORT), 'AuroraIamFunction');
  } else {
    cluster.connections.allowDefaultPortFrom(client, 'AuroraIamFunction');
  }
}
