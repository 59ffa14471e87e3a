// AWS SDK clients, created once per cold start (or once per local runtime) and injected everywhere.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../adapters/dynamo/document-client';

export interface AwsClients {
  dynamodb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  scheduler: SchedulerClient;
  sns: SNSClient;
}

export interface ClientOptions {
  region?: string;
  /** Per-service endpoints, for the local runtime; absent in AWS. */
  endpoints?: { dynamodb?: string; sqs?: string; scheduler?: string; sns?: string };
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function createAwsClients(options: ClientOptions = {}): AwsClients {
  const common = { region: options.region, credentials: options.credentials, maxAttempts: 3 };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: options.endpoints?.dynamodb });
  return {
    dynamodb,
    doc: createDocumentClient(dynamodb),
    sqs: new SQSClient({ ...common, endpoint: options.endpoints?.sqs }),
    scheduler: new SchedulerClient({ ...common, endpoint: options.endpoints?.scheduler }),
    sns: new SNSClient({ ...common, endpoint: options.endpoints?.sns }),
  };
}
