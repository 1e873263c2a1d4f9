// The service's parts, wired: the clients it opens (clients.ts), the metrics, the assigner that
// places customers and publishes their changes (to the change topic and ClickHouse), the watch
// that loads each model version announced, and the order consumer, started, when this process
// consumes. Each part is entered in `parts` as soon as it exists, so that a start-up that fails
// further on closes it (shutdown.ts).
import type { Config } from '../config.js';
import { consumerLagByPartition } from '../consumers/lag.js';
import { OrderConsumer } from '../consumers/order-consumer.js';
import { defaultRules } from '../features/filters.js';
import type { Logger } from '../log.js';
import { ServiceMetrics } from '../metrics/metrics.js';
import { SegmentAssigner } from '../segmentation/assigner.js';
import { KafkaChangeSink } from '../segmentation/change-publisher.js';
import { FanOutChangeSink } from '../sinks/clickhouse-sink.js';
import { ModelStore } from '../state/model-store.js';
import { openClients, serviceTopics, type Clients } from './clients.js';
import type { Roles } from './roles.js';
import type { ServiceParts } from './shutdown.js';

export type ServiceClients = Clients<{
  readonly state: true;
  readonly subscriber: true;
  readonly admin: true;
  readonly producer: true;
  readonly clickhouse: true;
}>;

export interface ServiceWiring {
  readonly clients: ServiceClients;
  readonly models: ModelStore;
  readonly metrics: ServiceMetrics;
  readonly assigner: SegmentAssigner;
  /** undefined without the consume role */
  readonly consumer: OrderConsumer | undefined;
}

export async function wireService(
  config: Config,
  logger: Logger,
  roles: Roles,
  log: Logger,
  parts: ServiceParts,
): Promise<ServiceWiring> {
  // The admin is kept connected: readiness and consumer lag use it.
  const clients = await openClients(
    config,
    logger,
    {
      state: true,
      subscriber: true,
      admin: true,
      topics: serviceTopics(config),
      producer: true,
      clickhouse: true,
    },
    log,
  );
  parts.clients = clients;
  const { kafka, redis, subscriber, store, admin, results, producer: changeProducer } = clients;
  const models = new ModelStore(redis, store.keys);
  const metrics = new ServiceMetrics(
    {
      lag: () => consumerLagByPartition(admin, config.kafka.consumerGroup, config.kafka.ordersTopic),
      sinks: () => results.stats(),
      partitions: () => consumer?.partitionProgress() ?? [],
    },
    logger,
  );
  const assigner = new SegmentAssigner(
    store,
    new FanOutChangeSink([new KafkaChangeSink(changeProducer, config.model.changesTopic), results]),
    config.state.windowDays,
    results,
  );
  parts.stopWatching = await models.watch(
    subscriber,
    (model) => {
      assigner.useModel(model);
      metrics.modelInUse(assigner.currentModel ?? model);
      log.info({ version: model.version, k: model.k, silhouette: model.silhouette }, 'model loaded');
    },
    (err) => log.error({ err }, 'announced model could not be loaded'),
  );

  const consumer = roles.consume
    ? new OrderConsumer({
        kafka,
        store,
        config,
        rules: defaultRules,
        logger,
        assigner,
        clock: config.state.clock,
        beforeCommit: () => results.flush(),
        onBatch: (report) => metrics.batchApplied(report),
      })
    : undefined;
  parts.consumer = consumer;
  await consumer?.start();
  return { clients, models, metrics, assigner, consumer };
}
