// Invoked from the console or the CLI: read-only queries of deliveries and attempt logs.
import { queryDeliveries, type DeliveryQueryDeps, type DeliveryQueryResponse } from '../domain/delivery-queries';
import type { Log } from '../domain/log';

// Its caller errors are mapped by the entry point's middleware (wiring/lambda-handler.ts).
export function createDeliveriesHandler(deps: DeliveryQueryDeps & { log: Log }) {
  return (input: unknown): Promise<DeliveryQueryResponse> => queryDeliveries(deps, input);
}
