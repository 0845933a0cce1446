import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { GetMessage } from 'amqplib';
import type { Model } from 'mongoose';
import { Webhook } from 'standardwebhooks';
import {
  createUncheckedEnvelope,
  eventSchema,
  WEBHOOK_ENVELOPE_SCHEMA,
  WebhookDeliveriesListRequest,
  WebhookEndpointsCreateRequest,
  WebhookEndpointsUpdateRequest,
  WorkflowEventType,
  type CreatedWebhookEndpointView,
  type MessageEnvelope,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookPage,
} from '@wfp/contracts';
import { ATTEMPT_HEADER, DEAD_LETTER_REASON_HEADER, MessagePublisherService, RpcClient } from '@wfp/messaging';
import { MetricsRegistryService, parsePrometheusText } from '@wfp/observability';
import { catalogueEvent as catalogueEnvelope, IsolatedInfra, waitFor } from '@wfp/testing';
import { DeliveryQueueEntry, WebhookDelivery } from '@wfp/webhook-delivery';
import { bootstrap } from '../src/bootstrap';

/** One POST as the receiver saw it, with its Standard Webhooks verdict for the path's secret. */
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** null when the signature verified with the secret registered for the path. */
  verifyError: string | null;
}

/** Why the request does not verify with this secret (the `standardwebhooks` package), or null. */
function verificationError(request: Received, secret: string): string | null {
  try {
    new Webhook(secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    return null;
  } catch (error) {
    return String(error);
  }
}

/**
 * A real HTTP receiver on 127.0.0.1 that verifies every request with the `standardwebhooks` npm
 * package (as a customer's receiver would) against the secret of the endpoint registered for the
 * path, and records it before answering. An answer may be held back until the test releases it.
 */
class VerifyingReceiver {
  readonly received: Received[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly held = new Map<string, Promise<void>>();

  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const body = Buffer.concat(chunks).toString('utf8');
      const received: Received = { path, headers: request.headers, body, verifyError: null };
      const secret = this.secrets.get(path);
      received.verifyError = secret ? verificationError(received, secret) : `no secret registered for ${path}`;
      this.received.push(received);
      void (this.held.get(path) ?? Promise.resolve()).then(() => response.writeHead(204).end());
    });
  });

  static async start(): Promise<VerifyingReceiver> {
    const receiver = new VerifyingReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** The endpoint registered for this path signs with this secret. */
  expectSecret(path: string, secret: string): void {
    this.secrets.set(path, secret);
  }

  /** Answers to this path wait until the returned function is called. */
  hold(path: string): () => void {
    let release = () => undefined as void;
    this.held.set(
      path,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return () => {
      this.held.delete(path);
      release();
    };
  }

  to(path: string): Received[] {
    return this.received.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));

/** A workflow event whose payload is the catalogue's example of its type (checked), for this organization. */
const catalogueEvent = (type: WorkflowEventType, organizationId: string): MessageEnvelope =>
  catalogueEnvelope(type, organizationId);

/**
 * webhook-dispatcher booted in process (its production bootstrap) against RabbitMQ and FerretDB:
 * events published on `<namespace>.events` are taken in and delivered to a real receiver that
 * verifies every request with the `standardwebhooks` package; endpoints are made and the delivery
 * log read through the dispatcher's request/reply API.
 */
describe('webhook-dispatcher: event intake and delivery', () => {
  let isolated: IsolatedInfra;
  let app: INestApplication;
  let receiver: VerifyingReceiver;
  const env = () =>
    isolated.serviceEnv({
      WEBHOOK_DISPATCHER_PORT: '0',
      ALLOW_LOOPBACK_TARGETS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0,100ms,100ms',
      WEBHOOK_POLL_INTERVAL_MS: '50',
    });

  beforeAll(async () => {
    receiver = await VerifyingReceiver.start();
    isolated = await IsolatedInfra.create('dispatcher_intake');
    app = await bootstrap(env());
    await isolated.consuming('webhook-dispatcher.events');
  });

  afterAll(async () => {
    await app?.close();
    await isolated?.cleanup();
    await receiver?.stop();
  });

  const eventsQueue = () => `${isolated.namespace}.webhook-dispatcher.events`;

  function rpc<T>(type: string, organizationId: string, payload: unknown): Promise<T> {
    return app.get(RpcClient).request<T>(type, payload, { organizationId });
  }

  /** An endpoint made through the request/reply API; the receiver learns its secret. */
  async function createEndpoint(
    organizationId: string,
    path: string,
    eventTypes?: string[],
  ): Promise<CreatedWebhookEndpointView> {
    const created = await rpc<CreatedWebhookEndpointView>(WebhookEndpointsCreateRequest.type, organizationId, {
      url: receiver.url(path),
      ...(eventTypes ? { eventTypes } : {}),
    });
    receiver.expectSecret(path, created.secret);
    return created;
  }

  async function deliveryLog(organizationId: string, endpointId: string): Promise<WebhookDeliveryView[]> {
    const page = await rpc<WebhookPage<WebhookDeliveryView>>(WebhookDeliveriesListRequest.type, organizationId, {
      endpointId,
      limit: 100,
    });
    return page.data;
  }

  /** Sum of this instance's `messages_*` counter samples for the events queue matching `labels`. */
  async function eventMessages(name: string, labels: Record<string, string>): Promise<number> {
    return parsePrometheusText(await app.get(MetricsRegistryService).metrics())
      .filter(
        (sample) =>
          sample.name === name &&
          sample.labels['queue'] === eventsQueue() &&
          Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
      )
      .reduce((sum, sample) => sum + sample.value, 0);
  }
  const acked = () => eventMessages('messages_handled_total', { outcome: 'acked' });

  /** Waits until `count` more event messages than `before` were acknowledged. */
  async function ackedBeyond(before: number, count: number): Promise<void> {
    await waitFor(async () => (await acked()) >= before + count, { what: `${count} event message(s) acknowledged` });
  }

  const deliveries = () => app.get<Model<WebhookDelivery>>(getModelToken(WebhookDelivery.name));
  const queueEntries = () => app.get<Model<DeliveryQueueEntry>>(getModelToken(DeliveryQueueEntry.name));

  /** The webhook-ids the receiver got at this path, in the order they came. */
  const idsAt = (path: string) => receiver.to(path).map((request) => String(request.headers['webhook-id']));

  /** An endpoint's delivery log (request/reply), reduced to what these tests compare, by id. */
  async function logOf(organizationId: string, endpointId: string) {
    return (await deliveryLog(organizationId, endpointId))
      .map((delivery) => ({
        id: delivery.id,
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        status: delivery.status,
        attempts: delivery.attempts.map((attempt) => [attempt.attemptNumber, attempt.statusCode, attempt.error]),
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** What a delivery of this event to this endpoint looks like in the log after one 204. */
  const deliveredOnce = (event: MessageEnvelope, endpoint: { id: string }) => ({
    id: `${event.id}:${endpoint.id}`,
    eventId: event.id,
    eventType: event.type,
    status: 'SUCCEEDED',
    attempts: [[1, 204, null]],
  });

  const deadLetterQueue = () => `${eventsQueue()}.dlq`;

  /** Everything parked in the events queue's DLQ, taken off it. */
  async function takeDeadLettered(): Promise<GetMessage[]> {
    const taken: GetMessage[] = [];
    for (
      let message = await isolated.probe.take(deadLetterQueue());
      message;
      message = await isolated.probe.take(deadLetterQueue())
    )
      taken.push(message);
    return taken;
  }

  it('delivers an event to exactly the endpoints of its organization subscribed to its type, signed, in the public envelope', async () => {
    const organizationId = 'org_intake';
    const otherOrganizationId = 'org_intake_other';
    const completedOnly = await createEndpoint(organizationId, '/a-completed', [WorkflowEventType.RunCompleted]);
    const everything = await createEndpoint(organizationId, '/a-all');
    const failedOnly = await createEndpoint(organizationId, '/a-failed', [WorkflowEventType.RunFailed]);
    const disabled = await createEndpoint(organizationId, '/a-disabled', [WorkflowEventType.RunCompleted]);
    expect(
      await rpc<WebhookEndpointView>(WebhookEndpointsUpdateRequest.type, organizationId, {
        endpointId: disabled.id,
        enabled: false,
      }),
    ).toMatchObject({ enabled: false, disabledReason: 'MANUAL' });
    const otherOrganization = await createEndpoint(otherOrganizationId, '/b-completed', [
      WorkflowEventType.RunCompleted,
    ]);

    const completed = catalogueEvent(WorkflowEventType.RunCompleted, organizationId);
    const failed = catalogueEvent(WorkflowEventType.RunFailed, organizationId);
    const elsewhere = catalogueEvent(WorkflowEventType.RunCompleted, otherOrganizationId);
    const before = await acked();
    const sentFrom = Math.floor(Date.now() / 1000);
    const publisher = app.get(MessagePublisherService);
    for (const event of [completed, failed, elsewhere]) await publisher.publish('events', event);
    // An event message is acknowledged once each subscribed endpoint was tried and its delivery stored.
    await ackedBeyond(before, 3);
    const sentUntil = Math.ceil(Date.now() / 1000);

    // By organization, by type filter (none = every type), enabled endpoints only.
    expect({
      '/a-completed': idsAt('/a-completed'),
      '/a-all': idsAt('/a-all').sort(),
      '/a-failed': idsAt('/a-failed'),
      '/a-disabled': idsAt('/a-disabled'),
      '/b-completed': idsAt('/b-completed'),
    }).toEqual({
      '/a-completed': [completed.id],
      '/a-all': [completed.id, failed.id].sort(),
      '/a-failed': [failed.id],
      '/a-disabled': [],
      '/b-completed': [elsewhere.id],
    });

    // Every request: Standard Webhooks headers (verified by the receiver with its endpoint's secret)
    // and the public envelope, which carries the event exactly as it was published.
    const published = new Map([completed, failed, elsewhere].map((event) => [event.id, event]));
    const requests = ['/a-completed', '/a-all', '/a-failed', '/a-disabled', '/b-completed'].flatMap((path) =>
      receiver.to(path),
    );
    expect(requests).toHaveLength(5);
    for (const request of requests) {
      const event = published.get(String(request.headers['webhook-id']));
      if (!event) throw new Error(`${request.path} got webhook-id ${String(request.headers['webhook-id'])}`);
      expect({ path: request.path, verifyError: request.verifyError }).toEqual({
        path: request.path,
        verifyError: null,
      });
      expect(request.headers['content-type']).toBe('application/json');
      // One secret, no rotation: one `v1,` signature.
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
      expect(request.headers['webhook-timestamp']).toMatch(/^\d+$/);
      const timestamp = Number(request.headers['webhook-timestamp']);
      expect(timestamp).toBeGreaterThanOrEqual(sentFrom);
      expect(timestamp).toBeLessThanOrEqual(sentUntil);
      const body = JSON.parse(request.body) as { data: unknown };
      expect(ajv.validate(WEBHOOK_ENVELOPE_SCHEMA, body) ? [] : ajv.errors).toEqual([]);
      expect(ajv.validate(eventSchema(event.type as WorkflowEventType), body.data) ? [] : ajv.errors).toEqual([]);
      expect(body).toEqual({
        event: event.type,
        eventId: event.id,
        eventTimestamp: event.occurredAt,
        data: event.payload,
      });
    }
    // One body, byte for byte, for every endpoint; each signed with its own endpoint's secret only.
    const [toCompletedOnly] = receiver.to('/a-completed');
    const [toEverything] = receiver.to('/a-all').filter((request) => request.headers['webhook-id'] === completed.id);
    expect(toEverything.body).toBe(toCompletedOnly.body);
    expect(verificationError(toCompletedOnly, everything.secret)).not.toBeNull();
    expect(verificationError(toEverything, completedOnly.secret)).not.toBeNull();

    // The delivery log (request/reply) holds one delivery per endpoint and event, delivered at once.
    expect(await logOf(organizationId, completedOnly.id)).toEqual([deliveredOnce(completed, completedOnly)]);
    expect(await logOf(organizationId, everything.id)).toEqual(
      [deliveredOnce(completed, everything), deliveredOnce(failed, everything)].sort((a, b) =>
        a.id.localeCompare(b.id),
      ),
    );
    expect(await logOf(organizationId, failedOnly.id)).toEqual([deliveredOnce(failed, failedOnly)]);
    expect(await logOf(organizationId, disabled.id)).toEqual([]);
    expect(await logOf(otherOrganizationId, otherOrganization.id)).toEqual([
      deliveredOnce(elsewhere, otherOrganization),
    ]);
    // Another organization's endpoint, and its log, read as absent.
    await expect(deliveryLog(otherOrganizationId, everything.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await queueEntries().countDocuments({}).exec()).toBe(0);
  });

  it('delivers an event the broker hands out twice once per endpoint, even while the first copy is in flight', async () => {
    const organizationId = 'org_intake_twice';
    const endpoint = await createEndpoint(organizationId, '/twice', [WorkflowEventType.RunCancelled]);
    const event = catalogueEvent(WorkflowEventType.RunCancelled, organizationId);
    const publisher = app.get(MessagePublisherService);
    const consumed = () => eventMessages('messages_consumed_total', { type: WorkflowEventType.RunCancelled });
    const consumedBefore = await consumed();
    const ackedBefore = await acked();

    // The first attempt's answer is held until both copies are in the dispatcher's hands.
    const release = receiver.hold('/twice');
    try {
      await publisher.publish('events', event);
      await publisher.publish('events', event);
      await waitFor(async () => receiver.to('/twice').length >= 1 && (await consumed()) >= consumedBefore + 2, {
        what: 'the first attempt in flight and both copies taken',
      });
    } finally {
      release();
    }
    await ackedBeyond(ackedBefore, 2);
    // And a copy that comes after the event was taken in.
    await publisher.publish('events', event);
    await ackedBeyond(ackedBefore, 3);

    expect(idsAt('/twice')).toEqual([event.id]);
    expect(receiver.to('/twice')[0].verifyError).toBeNull();
    expect(await logOf(organizationId, endpoint.id)).toEqual([deliveredOnce(event, endpoint)]);
    expect(await deliveries().countDocuments({ eventId: event.id }).exec()).toBe(1);
  });

  it('dead-letters a message on the events exchange that is not an envelope, and delivers it to nobody', async () => {
    const organizationId = 'org_intake_malformed';
    await createEndpoint(organizationId, '/m-all');
    const exchange = `${isolated.namespace}.events`;
    const notJson = '{"type":"WORKFLOW_RUN_FAILED","organizationId":"org_intake_malformed",';
    // An envelope's id, type, organization and payload, but no schemaVersion, occurredAt or correlationId.
    const notAnEnvelope = JSON.stringify({
      id: 'evt_not_an_envelope',
      type: WorkflowEventType.RunFailed,
      organizationId,
      payload: catalogueEvent(WorkflowEventType.RunFailed, organizationId).payload,
    });
    await isolated.probe.publishRaw(exchange, WorkflowEventType.RunFailed, Buffer.from(notJson));
    await isolated.probe.publishRaw(exchange, WorkflowEventType.RunFailed, Buffer.from(notAnEnvelope));
    // A good event of the organization after them: the dispatcher goes on delivering.
    const good = catalogueEvent(WorkflowEventType.RunFailed, organizationId);
    const before = await acked();
    await app.get(MessagePublisherService).publish('events', good);
    await ackedBeyond(before, 1);

    await waitFor(async () => (await isolated.probe.stats(deadLetterQueue()))?.messageCount === 2, {
      what: 'both messages in the DLQ',
    });
    const parked = (await takeDeadLettered()).map((message) => ({
      body: message.content.toString('utf8'),
      reason: message.properties.headers?.[DEAD_LETTER_REASON_HEADER],
      routingKey: message.properties.headers?.['x-original-routing-key'],
      exchange: message.properties.headers?.['x-original-exchange'],
    }));
    expect(parked.sort((a, b) => a.body.localeCompare(b.body))).toEqual(
      [notJson, notAnEnvelope]
        .map((body) => ({ body, reason: 'malformed', routingKey: WorkflowEventType.RunFailed, exchange }))
        .sort((a, b) => a.body.localeCompare(b.body)),
    );
    expect(idsAt('/m-all')).toEqual([good.id]);
    expect(await deliveries().countDocuments({ organizationId }).exec()).toBe(1);
  });

  // Every payload is checked against its event's definition before intake (@HandlesMessage).
  it('dead-letters an event whose payload breaks the catalogue instead of delivering it', async () => {
    const organizationId = 'org_intake_invalid';
    await createEndpoint(organizationId, '/p-all');
    const type = { type: WorkflowEventType.RunFailed, schemaVersion: 1 };
    const notAnObject = createUncheckedEnvelope(type, 'not an object', { organizationId });
    const missingFields = createUncheckedEnvelope(type, { organizationId }, { organizationId });
    const good = catalogueEvent(WorkflowEventType.RunFailed, organizationId);
    const settled = async () =>
      (await acked()) + (await eventMessages('messages_handled_total', { outcome: 'dead-lettered' }));
    const before = await settled();
    const publisher = app.get(MessagePublisherService);
    for (const event of [notAnObject, missingFields, good]) await publisher.publish('events', event);
    await waitFor(async () => (await settled()) >= before + 3, { what: 'the three events settled' });

    expect(idsAt('/p-all')).toEqual([good.id]);
    const parked = await takeDeadLettered();
    expect(
      parked
        .map((message) => ({
          id: message.properties.messageId,
          reason: message.properties.headers?.[DEAD_LETTER_REASON_HEADER],
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    ).toEqual([notAnObject.id, missingFields.id].sort().map((id) => ({ id, reason: 'invalid-payload' })));
  });

  /** A new instance in place of the running one; it remembers no event (that is in memory only). */
  async function restart(): Promise<void> {
    await app.close();
    app = await bootstrap(env());
    await isolated.consuming('webhook-dispatcher.events');
  }

  /** The same event message again, as raw bytes on the events exchange (as the broker holds it). */
  async function publishCopy(event: MessageEnvelope, headers: Record<string, unknown> = {}): Promise<void> {
    await isolated.probe.publishRaw(`${isolated.namespace}.events`, event.type, Buffer.from(JSON.stringify(event)), {
      contentType: 'application/json',
      messageId: event.id,
      headers,
    });
  }

  it('keeps one delivery per endpoint when a copy of an event reaches an instance that has not seen it', async () => {
    const organizationId = 'org_intake_copy';
    const first = await createEndpoint(organizationId, '/c-first', [WorkflowEventType.NodeCompleted]);
    const event = catalogueEvent(WorkflowEventType.NodeCompleted, organizationId);
    const before = await acked();
    await app.get(MessagePublisherService).publish('events', event);
    await ackedBeyond(before, 1);
    const second = await createEndpoint(organizationId, '/c-second', [WorkflowEventType.NodeCompleted]);

    // A copy the broker does not mark as handed out before (a producer publishing again), taken by
    // an instance that has not seen the event.
    await restart();
    const restartedAcked = await acked();
    await publishCopy(event);
    await ackedBeyond(restartedAcked, 1);

    // Nothing tells it the event went out: it is delivered again, with the same webhook-id (at least once).
    expect(idsAt('/c-first')).toEqual([event.id, event.id]);
    expect(idsAt('/c-second')).toEqual([event.id]);
    expect([...receiver.to('/c-first'), ...receiver.to('/c-second')].map(({ verifyError }) => verifyError)).toEqual([
      null,
      null,
      null,
    ]);
    // Its one unordered insert met the existing delivery (a duplicate key, ignored) and wrote the
    // new one, at the first attempt: nothing retried, the first delivery kept as it was.
    expect(await eventMessages('messages_handled_total', {})).toBe(await acked());
    expect(await logOf(organizationId, first.id)).toEqual([deliveredOnce(event, first)]);
    expect(await logOf(organizationId, second.id)).toEqual([deliveredOnce(event, second)]);
    expect(await deliveries().countDocuments({ eventId: event.id }).exec()).toBe(2);
  });

  it('skips, for a message handed out again, the endpoints whose delivery is stored, and delivers to the others', async () => {
    const organizationId = 'org_intake_again';
    const first = await createEndpoint(organizationId, '/r-first', [WorkflowEventType.NodeCompleted]);
    const event = catalogueEvent(WorkflowEventType.NodeCompleted, organizationId);
    const before = await acked();
    await app.get(MessagePublisherService).publish('events', event);
    await ackedBeyond(before, 1);
    expect(idsAt('/r-first')).toEqual([event.id]);
    const late = await createEndpoint(organizationId, '/r-late', [WorkflowEventType.NodeCompleted]);

    // The message handed out again as the transport's retry path does (its second attempt), to an
    // instance that has not seen the event: unlike the unmarked copy above, it reads which
    // deliveries exist and makes only the missing one.
    await restart();
    const restartedAcked = await acked();
    await publishCopy(event, { [ATTEMPT_HEADER]: 2 });
    await ackedBeyond(restartedAcked, 1);

    expect(idsAt('/r-first')).toEqual([event.id]);
    expect(idsAt('/r-late')).toEqual([event.id]);
    expect(receiver.to('/r-late')[0].verifyError).toBeNull();
    expect(await logOf(organizationId, first.id)).toEqual([deliveredOnce(event, first)]);
    expect(await logOf(organizationId, late.id)).toEqual([deliveredOnce(event, late)]);
  });
});
