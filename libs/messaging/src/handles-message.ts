import 'reflect-metadata';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import type { MessageHandler } from '@nestjs/microservices';
import {
  isMessageEnvelope,
  parseMessage,
  type MessageClass,
  type MessageDefinition,
  type MessageEnvelope,
} from '@wfp/contracts';
import { type ConsumedQueue, type QueueBinding } from './topology/service-queues';

/** Where a handler's messages come from: its work queue, and the exchange they are published on. */
export interface ConsumerDeclaration {
  /** The work queue (without the namespace), e.g. `workflow-processor.commands`. */
  queue: string;
  /** Defaults to `events` for event definitions and `commands` for command classes. */
  exchange?: QueueBinding['exchange'];
}

/** What a handler declared, as Nest keeps it on the handler (`extras`) and on its class. */
export interface ConsumerExtras {
  queue: string;
  exchange: QueueBinding['exchange'];
}

const DECLARED_QUEUES = Symbol.for('wfp.messaging.declaredQueues');

/**
 * Declares a handler of commands or events, once: the message definitions it handles, and the
 * queue they reach it through. That declaration alone
 * - registers it with Nest for those routing keys;
 * - yields the queue's bindings (the transport declares them from its handlers: consumedQueuesOf);
 * - checks each payload against its definition before the method runs: an invalid one is
 *   InvalidMessageError, which the transport dead-letters with its reason, never business code.
 *
 * The method receives the envelope (as its `@Payload()`) with the checked, typed payload.
 */
export function HandlesMessage(
  definitions: MessageDefinition | readonly MessageDefinition[],
  declaration: ConsumerDeclaration,
): MethodDecorator {
  const list: readonly MessageDefinition[] = Array.isArray(definitions) ? definitions : [definitions];
  const byType = new Map(list.map((definition) => [definition.type, definition]));
  const exchange =
    declaration.exchange ?? (list.every((definition) => typeof definition !== 'function') ? 'events' : 'commands');
  const extras: ConsumerExtras = { queue: declaration.queue, exchange };
  return (target, key, descriptor: PropertyDescriptor) => {
    checkPayloads(descriptor, byType);
    const declared: ConsumedQueue[] = Reflect.getMetadata(DECLARED_QUEUES, target.constructor) ?? [];
    Reflect.defineMetadata(
      DECLARED_QUEUES,
      [
        ...declared,
        { name: extras.queue, bindings: [...byType.keys()].map((routingKey) => ({ exchange, routingKey })) },
      ],
      target.constructor,
    );
    return EventPattern([...byType.keys()], { ...extras })(target, key, descriptor);
  };
}

const DECLARED_REQUESTS = Symbol.for('wfp.messaging.declaredRequests');

/**
 * Declares a request/reply handler, once: the request class it answers. That declaration
 * registers it with Nest for the request's type, binds the type to the service's request queue
 * (answeredRequestsOf) and checks the payload before the method runs: an invalid one is answered
 * BAD_REQUEST with the fields, never handed to business code.
 */
export function AnswersRequest(definition: MessageClass): MethodDecorator {
  return (target, key, descriptor: PropertyDescriptor) => {
    checkPayloads(descriptor, new Map([[definition.type, definition]]));
    const declared: string[] = Reflect.getMetadata(DECLARED_REQUESTS, target.constructor) ?? [];
    Reflect.defineMetadata(DECLARED_REQUESTS, [...declared, definition.type], target.constructor);
    return MessagePattern(definition.type)(target, key, descriptor);
  };
}

/** The request types that handler classes answer (what a service's request queue must bind). */
export function declaredRequestsOf(...handlerClasses: (abstract new (...args: never[]) => unknown)[]): string[] {
  return handlerClasses.flatMap((handlerClass) => Reflect.getMetadata(DECLARED_REQUESTS, handlerClass) ?? []);
}

/** The request types a service answers, from the request handlers registered with its transport. */
export function answeredRequestsOf(handlers: Map<string, MessageHandler>): string[] {
  return [...handlers].filter(([, handler]) => !handler.isEventHandler).map(([pattern]) => pattern);
}

/**
 * Wraps the handler method so that the envelope it receives carries its payload checked and typed
 * by the definition of its type (InvalidMessageError otherwise, before the method runs).
 */
function checkPayloads(descriptor: PropertyDescriptor, byType: ReadonlyMap<string, MessageDefinition>): void {
  const handle = descriptor.value as (...args: unknown[]) => unknown;
  descriptor.value = function checkedHandler(this: unknown, ...args: unknown[]) {
    const index = args.findIndex(isMessageEnvelope);
    const envelope = args[index] as MessageEnvelope | undefined;
    const definition = envelope ? byType.get(envelope.type) : undefined;
    if (envelope && definition) args[index] = { ...envelope, payload: parseMessage(definition, envelope.payload) };
    return handle.apply(this, args);
  };
}

/** Queues and bindings declared by handlers, merged per queue (in declaration order). */
function merge(declarations: ConsumedQueue[]): ConsumedQueue[] {
  const queues = new Map<string, QueueBinding[]>();
  for (const { name, bindings } of declarations) queues.set(name, [...(queues.get(name) ?? []), ...bindings]);
  return [...queues].map(([name, bindings]) => ({ name, bindings }));
}

/** The queues and bindings that handler classes declare (what a service's topology must hold). */
export function declaredQueuesOf(...handlerClasses: (abstract new (...args: never[]) => unknown)[]): ConsumedQueue[] {
  return merge(handlerClasses.flatMap((handlerClass) => Reflect.getMetadata(DECLARED_QUEUES, handlerClass) ?? []));
}

/**
 * The work queues and bindings of a service, from the handlers registered with its transport. An
 * event handler registered without a declaration would never receive anything: that is an error
 * at start-up, not a silent gap.
 */
export function consumedQueuesOf(handlers: Map<string, MessageHandler>): ConsumedQueue[] {
  const declarations: ConsumedQueue[] = [];
  for (const [pattern, handler] of handlers) {
    if (!handler.isEventHandler) continue;
    const extras = handler.extras as Partial<ConsumerExtras> | undefined;
    if (!extras?.queue || !extras.exchange)
      throw new Error(`the handler of ${pattern} names no queue: declare it with @HandlesMessage`);
    declarations.push({ name: extras.queue, bindings: [{ exchange: extras.exchange, routingKey: pattern }] });
  }
  return merge(declarations);
}
