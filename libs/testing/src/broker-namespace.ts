import { deleteBrokerObjects } from '@wfp/test-support';
import { buildServiceTopology, SERVICE_QUEUES, type ServiceName } from '@wfp/messaging';

/** Deletes every queue and exchange that the services declare under a test namespace. */
export async function deleteBrokerNamespace(
  amqpUrl: string,
  namespace: string,
  retryDelaysMs: number[],
): Promise<void> {
  const queues = (Object.keys(SERVICE_QUEUES) as ServiceName[]).flatMap((service) =>
    buildServiceTopology({ namespace, service, queueType: 'classic', retryDelaysMs }).queues.map((queue) => queue.name),
  );
  await deleteBrokerObjects(amqpUrl, namespace, queues);
}
