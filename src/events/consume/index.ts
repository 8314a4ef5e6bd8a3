// The one consumer runtime: every durable JetStream consumer in Hydra is a ConsumerSpec plus a Handler.
export { DurableConsumer, type ConsumerSpec, type Handler, type HandlerContext } from './consumer.ts';
export {
  ack,
  nak,
  term,
  deliveryOf,
  retryDelayMs,
  typeOfSubject,
  type Delivery,
  type DeliveryParts,
  type Outcome,
  type RetryBackoff,
} from './delivery.ts';
export {
  summaryOf,
  TIME_BUCKETS_MS,
  type ConsumerState,
  type ConsumerStats,
  type ConsumerSummary,
} from './stats.ts';
