// The service's own metrics as CloudWatch stores them. The functions write them through Powertools
// (lambdas/wiring/metrics.ts) as embedded metric format in the CrmWebhooks namespace with exactly one
// dimension set, `service`. CloudWatch treats every namespace, name and dimension combination as a
// metric of its own: a graph or alarm asking for other dimensions (or none) reads a metric that never
// has data. So every alarm and graph of these metrics is built here.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricName } from '../lambdas/domain/metrics';
import { METRICS_NAMESPACE } from '../lambdas/wiring/metrics';
import { SERVICE_NAME } from './environment';

/** The dimension Powertools adds to every metric (its default dimension, from the service name). */
export const SERVICE_DIMENSIONS = { service: SERVICE_NAME } as const;

/** One of the service's metrics; a sum over 5 minutes unless the options say otherwise. */
export function serviceMetric(name: MetricName, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: SERVICE_DIMENSIONS,
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(5),
    ...options,
  });
}
