// The domain's metrics as CloudWatch embedded metric format (EMF) lines, through Powertools. They
// are buffered per invocation and written once when the handler returns (the entry point's
// flushMetrics middleware, wiring/lambda-handler.ts).
import { Metrics as PowertoolsMetricsClient, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics, MetricName } from '../domain/metrics';

export const METRICS_NAMESPACE = 'CrmWebhooks';

export class PowertoolsMetrics implements Metrics {
  private pending = false;

  constructor(private readonly client = new PowertoolsMetricsClient({ namespace: METRICS_NAMESPACE, serviceName: 'crm-webhooks' })) {}

  count(name: MetricName, value = 1): void {
    this.client.addMetric(name, MetricUnit.Count, value);
    this.pending = true;
  }

  milliseconds(name: MetricName, value: number): void {
    this.client.addMetric(name, MetricUnit.Milliseconds, value);
    this.pending = true;
  }

  flush(): void {
    if (!this.pending) return;
    this.pending = false;
    this.client.publishStoredMetrics();
  }
}
