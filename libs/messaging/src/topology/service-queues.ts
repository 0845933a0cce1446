import {
  ALL_WORKFLOW_EVENT_TYPES,
  CallResultDeliveriesListRequest,
  CallResultSecretRevealRequest,
  CallResultSecretRotateRequest,
  CallTargetsResolveRequest,
  ClaimsAcquireRequest,
  ClaimsConfirmCommand,
  ClaimsReleaseRequest,
  ContactsResolveCommand,
  ConversationsOutcomeRequest,
  OpsRecentRunsQuery,
  RUN_TERMINAL_EVENT_TYPES,
  RunsCancelCommand,
  RunsGetQuery,
  RunsListQuery,
  RunsResumeCommand,
  RunsRetryRequest,
  RunsStartCommand,
  VersionsRegisterCommand,
  WebhookDeliveriesListRequest,
  WebhookDeliveriesReplayRequest,
  WebhookDeliveryDeadLettered,
  WebhookEndpointsCreateRequest,
  WebhookEndpointsDeleteRequest,
  WebhookEndpointsGetRequest,
  WebhookEndpointsListRequest,
  WebhookEndpointsRecoverRequest,
  WebhookEndpointsRotateSecretRequest,
  WebhookEndpointsTestRequest,
  WebhookEndpointsUpdateRequest,
  WorkflowCallResult,
} from '@wfp/contracts';

/**
 * Which service consumes what (DESIGN.md section 2), as published for tools that prepare a broker
 * for a service they do not run (the tests' shared infrastructure, the chaos scenario) and for the
 * operations views. A running service declares its queues from its handlers' own declarations
 * (@HandlesMessage); each app's topology test checks they equal this table. Names are prefixed with
 * the configured namespace, e.g. `wf.commands`, `wf.workflow-processor.commands`.
 */
export type ExchangeKind = 'commands' | 'events' | 'rpc';

/** Where a publisher can send a message: a shared exchange, or the dead-letter exchange (parking queues). */
export type PublishTarget = Exclude<ExchangeKind, 'rpc'> | 'dead-letter';

export interface QueueBinding {
  exchange: ExchangeKind;
  routingKey: string;
}

export interface ConsumedQueue {
  /** Queue name without the namespace prefix. */
  name: string;
  bindings: QueueBinding[];
}

export type ServiceName = 'workflow-api' | 'workflow-processor' | 'webhook-dispatcher' | 'contact-resolver';

/** The work queues (names without the namespace): handlers name theirs (@HandlesMessage). */
export const WORK_QUEUES = {
  processorCommands: 'workflow-processor.commands',
  processorControl: 'workflow-processor.control',
  resolverCommands: 'contact-resolver.commands',
  resolverRunEvents: 'contact-resolver.run-events',
  dispatcherEvents: 'webhook-dispatcher.events',
} as const;

export const SERVICE_QUEUES: Record<ServiceName, ConsumedQueue[]> = {
  'workflow-api': [],
  'workflow-processor': [
    {
      name: WORK_QUEUES.processorCommands,
      bindings: [
        { exchange: 'commands', routingKey: VersionsRegisterCommand.type },
        { exchange: 'commands', routingKey: RunsStartCommand.type },
        { exchange: 'commands', routingKey: RunsResumeCommand.type },
      ],
    },
    {
      // Cancels have their own queue and consumer (and prefetch): they never wait behind runs.
      name: WORK_QUEUES.processorControl,
      bindings: [{ exchange: 'commands', routingKey: RunsCancelCommand.type }],
    },
  ],
  'contact-resolver': [
    {
      name: WORK_QUEUES.resolverCommands,
      bindings: [
        { exchange: 'commands', routingKey: ContactsResolveCommand.type },
        // A retry run's creation confirms the claim reserved for it.
        { exchange: 'commands', routingKey: ClaimsConfirmCommand.type },
      ],
    },
    {
      // Run-terminal events release (failed, cancelled) or settle (completed) a candidate's claim.
      name: WORK_QUEUES.resolverRunEvents,
      bindings: RUN_TERMINAL_EVENT_TYPES.map((routingKey) => ({ exchange: 'events' as const, routingKey })),
    },
  ],
  'webhook-dispatcher': [
    {
      name: WORK_QUEUES.dispatcherEvents,
      bindings: [...ALL_WORKFLOW_EVENT_TYPES, WorkflowCallResult.type].map((routingKey) => ({
        exchange: 'events' as const,
        routingKey,
      })),
    },
  ],
};

/** Request/reply message types each service answers on its `<namespace>.<service>.rpc` queue. */
export const SERVICE_RPC: Record<ServiceName, string[]> = {
  'workflow-api': [],
  'workflow-processor': [
    RunsGetQuery.type,
    RunsListQuery.type,
    ConversationsOutcomeRequest.type,
    RunsRetryRequest.type,
    OpsRecentRunsQuery.type,
  ],
  'contact-resolver': [ClaimsAcquireRequest.type, ClaimsReleaseRequest.type],
  'webhook-dispatcher': [
    WebhookEndpointsCreateRequest.type,
    WebhookEndpointsListRequest.type,
    WebhookEndpointsGetRequest.type,
    WebhookEndpointsUpdateRequest.type,
    WebhookEndpointsDeleteRequest.type,
    WebhookEndpointsRotateSecretRequest.type,
    WebhookEndpointsTestRequest.type,
    WebhookEndpointsRecoverRequest.type,
    WebhookDeliveriesListRequest.type,
    WebhookDeliveriesReplayRequest.type,
    CallTargetsResolveRequest.type,
    CallResultSecretRevealRequest.type,
    CallResultSecretRotateRequest.type,
    CallResultDeliveriesListRequest.type,
  ],
};

/**
 * Bindings earlier releases made and this one no longer wants: removed when a service declares its
 * topology, so a broker upgraded in place routes as a new one does.
 */
export const SERVICE_RETIRED_BINDINGS: Record<ServiceName, ConsumedQueue[]> = {
  'workflow-api': [],
  // runs.cancel moved to workflow-processor.control.
  'workflow-processor': [
    {
      name: 'workflow-processor.commands',
      bindings: [{ exchange: 'commands', routingKey: RunsCancelCommand.type }],
    },
  ],
  'contact-resolver': [],
  'webhook-dispatcher': [],
};

/**
 * Queues a service fills but nobody consumes: SREs watch their depth and inspect them. Each is
 * bound to the dead-letter exchange with the message type as routing key.
 */
export interface ParkingQueue {
  /** Queue name without the namespace prefix. */
  name: string;
  routingKey: string;
}

export const SERVICE_PARKING_QUEUES: Record<ServiceName, ParkingQueue[]> = {
  'workflow-api': [],
  'workflow-processor': [],
  'contact-resolver': [],
  // Deliveries that spent their retry schedule (DESIGN.md section 7); replay takes them back.
  'webhook-dispatcher': [{ name: 'webhook-dispatcher.deliveries.dlq', routingKey: WebhookDeliveryDeadLettered.type }],
};
