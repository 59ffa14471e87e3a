// The one table of AWS prices the cost model uses: on-demand, us-east-1, as known on the date below
// (from memory of the published price pages, not fetched: RE-CHECK before quoting them).
// Free tiers are left out on purpose: the figures are marginal cost per million at volume.

export const PRICES_REGION = 'us-east-1';
/** When these prices were taken (the date they are known for), and that they must be re-checked. */
export const PRICES_AS_OF = 'early 2025 (as known then, not fetched; re-check at aws.amazon.com/<service>/pricing)';

export interface Price {
  usd: number;
  unit: string;
  note: string;
}

export const PRICES = {
  sqsRequest: { usd: 0.4 / 1e6, unit: 'request (each started 64 KB of payload)', note: 'SQS standard queue, $0.40 per million requests' },
  lambdaRequest: { usd: 0.2 / 1e6, unit: 'invocation', note: 'Lambda, $0.20 per million requests' },
  lambdaGbSecondArm: { usd: 0.0000133334, unit: 'GB-second (arm64)', note: 'Lambda arm64 duration, first tier' },
  dynamoWru: { usd: 0.625 / 1e6, unit: 'write request unit', note: 'DynamoDB on-demand, since the Nov 2024 price cut' },
  dynamoRru: { usd: 0.125 / 1e6, unit: 'read request unit', note: 'DynamoDB on-demand, since the Nov 2024 price cut' },
  dynamoStorageGbMonth: { usd: 0.25, unit: 'GB-month', note: 'DynamoDB Standard table class storage' },
  dynamoPitrGbMonth: {
    usd: 0.2,
    unit: 'GB-month',
    note: 'DynamoDB point-in-time recovery (continuous backups), charged on the table size',
  },
  schedulerInvocation: { usd: 1.0 / 1e6, unit: 'invocation', note: 'EventBridge Scheduler, $1.00 per million invocations' },
  snsPublish: { usd: 0.5 / 1e6, unit: 'publish', note: 'SNS standard topic (support notices only; none per delivery)' },
  logsIngestedGb: { usd: 0.5, unit: 'GB ingested', note: 'CloudWatch Logs standard ingestion' },
  dataOutGb: { usd: 0.09, unit: 'GB to the internet', note: 'EC2/Lambda data transfer out, first 10 TB tier' },
} satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;
