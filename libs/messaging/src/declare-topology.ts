import type { Channel } from 'amqplib';
import { type ExchangeDeclaration, type ServiceTopology } from './topology/broker-topology';

export async function declareExchanges(channel: Channel, exchanges: ExchangeDeclaration[]): Promise<void> {
  for (const exchange of exchanges) {
    await channel.assertExchange(exchange.name, exchange.type, { durable: true });
  }
}

/** Idempotent: re-declaring with the same arguments is a no-op, so every instance runs it on (re)connect. */
export async function declareTopology(channel: Channel, topology: ServiceTopology): Promise<void> {
  await declareExchanges(channel, topology.exchanges);
  for (const queue of topology.queues) {
    await channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
  }
  for (const binding of topology.bindings) {
    await channel.bindQueue(binding.queue, binding.exchange, binding.routingKey);
  }
  // Removing a binding that does not exist is a no-op for RabbitMQ.
  for (const binding of topology.retiredBindings) {
    await channel.unbindQueue(binding.queue, binding.exchange, binding.routingKey);
  }
}
