// Support notifications (SNS in AWS) for a local run: each notice is logged and kept, newest last,
// so that `GET /notifications` shows what support would have been told.
import type { Log } from '../lambdas/domain/log';
import type { Notifier, SubscriptionNotice } from '../lambdas/domain/ports';

/** Only the latest are kept: this is a view for a developer, not a store. */
const KEPT = 100;

export class LocalNotifier implements Notifier {
  private readonly notices: SubscriptionNotice[] = [];

  constructor(private readonly log: Log) {}

  async notify(notice: SubscriptionNotice): Promise<void> {
    this.log.warn('support notification', { ...notice });
    this.notices.push(notice);
    if (this.notices.length > KEPT) this.notices.shift();
  }

  list(): SubscriptionNotice[] {
    return [...this.notices];
  }
}
