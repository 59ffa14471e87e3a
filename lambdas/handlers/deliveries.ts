// Invoked from the console or the CLI: read-only queries of deliveries and attempt logs.
import { queryDeliveries, type DeliveryQueryDeps, type DeliveryQueryResponse } from '../domain/delivery-queries';
import type { Log } from '../domain/log';
import { withCallerErrors } from './errors';

export function createDeliveriesHandler(deps: DeliveryQueryDeps & { log: Log }) {
  return withCallerErrors(deps.log, 'deliveries', (input: unknown): Promise<DeliveryQueryResponse> => queryDeliveries(deps, input));
}
