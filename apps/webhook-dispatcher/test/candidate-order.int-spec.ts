import type { INestApplication } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { MessageEnvelope, WorkflowEventType } from '@wfp/contracts';
import { MessagePublisherService } from '@wfp/messaging';
import { catalogueEvent, waitFor } from '@wfp/testing';
import {
  CandidateLane,
  CandidateLanesService,
  deliveryIdFor,
  type DeliveryLane,
  DeliveryQueueEntry,
  DeliveryQueueService,
  NO_LEASE,
  WebhookDelivery,
  WebhookEndpointsService,
} from '@wfp/webhook-delivery';
import { DispatcherInstances, queueDrained, Receiver } from './support/dispatcher-rig';

/** A run's events as the platform emits them to its candidate, in order. */
const RUN: WorkflowEventType[] = [
  'WORKFLOW_CONTACT_RESOLVED',
  'WORKFLOW_RUN_STARTED',
  'WORKFLOW_NODE_COMPLETED',
  'WORKFLOW_NODE_COMPLETED',
  'WORKFLOW_RUN_COMPLETED',
];
/** The broker hands them out in this order: the run's start after its later events. */
const ARRIVAL = [3, 1, 4, 2, 0];
/** How long the receiver refuses the held-up event. */
const REFUSED_FOR_MS = 1500;

/**
 * An endpoint that keeps each candidate's events in order, behind two dispatchers: events come out
 * of order, and the receiver refuses one of candidate A's events for a while. A's events still
 * arrive in the order they were emitted, each only after the one before it succeeded, while the
 * other candidates' events, and an event of no candidate, go on meanwhile.
 */
describe('webhook-dispatcher: ordered delivery per candidate across two instances', () => {
  const organizationId = 'org_order';
  let dispatchers: DispatcherInstances;
  let apps: INestApplication[];
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    dispatchers = await DispatcherInstances.start('dispatcher_order', {
      WEBHOOK_RETRY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_BREAKER_MIN_REQUESTS: '100000',
      // Order comes from the runs' sequence here, never from the wait for a missing event.
      WEBHOOK_ORDER_GAP_WAIT_MS: '60000',
      // A delivery lease of 9 s (twice this, plus 5 s): a stray entry of a sent delivery goes sooner.
      WEBHOOK_TIMEOUT_MS: '2000',
      AMQP_PREFETCH: '4',
    });
    apps = dispatchers.apps;
  }, 60_000);

  afterAll(async () => {
    await dispatchers?.stop();
    await receiver?.stop();
  });

  /** The run's events for one candidate, each naming the types emitted before it. */
  function runEvents(candidateProfileId: string, runId: string): MessageEnvelope[] {
    return RUN.map((type, position) => ({
      ...catalogueEvent(type, organizationId, { recordId: runId, candidateProfileId } as never),
      order: { candidateProfileId, runId, earlier: RUN.slice(0, position) },
    }));
  }

  it('keeps each candidate’s order, waits for a failing event, and holds nobody else up', async () => {
    const endpoint = await apps[0].get(WebhookEndpointsService).create(organizationId, {
      url: receiver.url('/ordered'),
      ordering: 'candidate',
    });
    expect(endpoint.ordering).toBe('candidate');

    const runs = {
      cp_a: runEvents('cp_a', 'run_a'),
      cp_b: runEvents('cp_b', 'run_b'),
      cp_c: runEvents('cp_c', 'run_c'),
    };
    const unordered = catalogueEvent('WORKFLOW_RUN_FAILED', organizationId, { recordId: 'run_called' } as never);
    const heldUp = runs.cp_a[2].id;
    const refusedUntil = Date.now() + REFUSED_FOR_MS;
    receiver.answer = () => {
      const last = receiver.requests[receiver.requests.length - 1];
      return last.webhookId === heldUp && Date.now() < refusedUntil ? 503 : 200;
    };

    const publisher = apps[0].get(MessagePublisherService);
    for (const position of ARRIVAL) {
      for (const events of Object.values(runs)) await publisher.publish('events', events[position]);
      if (position === 1) await publisher.publish('events', unordered);
    }

    const all = [...Object.values(runs).flat(), unordered];
    const deliveries = apps[0].get<Model<WebhookDelivery>>(getModelToken(WebhookDelivery.name));
    const ids = all.map((event) => deliveryIdFor(event.id, endpoint.id));
    const queue = apps[1].get<Model<DeliveryQueueEntry>>(getModelToken(DeliveryQueueEntry.name));
    const lanes = apps[1].get<Model<CandidateLane>>(getModelToken(CandidateLane.name));
    let unfinished = '';
    await waitFor(
      async () => {
        // Every delivery made, and succeeded (a delivery not yet written is not done).
        const made = await deliveries
          .find({ _id: { $in: ids } }, { _id: 1, status: 1, attemptCount: 1 })
          .lean()
          .exec();
        const open = made.filter(({ status }) => status !== 'SUCCEEDED');
        if (made.length === ids.length && open.length === 0) return true;
        // What is left, for the failure message: the open deliveries, their queue entries, their lanes.
        const entries = await queue.find({ endpointId: endpoint.id }).lean().exec();
        const laneStates = await lanes.find({ endpointId: endpoint.id }).lean().exec();
        unfinished = JSON.stringify({
          missing: ids.length - made.length,
          open: open.map(({ _id, status, attemptCount }) => ({ _id, status, attemptCount })),
          entries,
          lanes: laneStates,
        });
        return false;
      },
      { what: `all ${all.length} deliveries to succeed`, timeoutMs: 30_000, lastSeen: () => unfinished },
    );

    const received = receiver.to('/ordered');
    const successes = (events: MessageEnvelope[]) =>
      events.map((event) => received.findIndex((request, index) => isSuccess(request, index, event.id)));
    const isSuccess = (request: { webhookId: string }, index: number, eventId: string) =>
      request.webhookId === eventId && !(eventId === heldUp && received[index].receivedAt < refusedUntil);

    for (const events of Object.values(runs)) {
      // Each candidate's events succeeded in the order they were emitted...
      const order = successes(events);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      // ...and none was sent before the one before it had succeeded.
      for (let position = 1; position < events.length; position += 1) {
        const firstSent = received.findIndex((request) => request.webhookId === events[position].id);
        expect(firstSent).toBeGreaterThan(order[position - 1]);
      }
    }
    // A's held-up event was refused, retried, and A's later events waited for it.
    const heldUpAttempts = received.filter((request) => request.webhookId === heldUp);
    expect(heldUpAttempts.length).toBeGreaterThan(1);
    const heldUpSuccess = successes([runs.cp_a[2]])[0];
    // The other candidates, and the event of no candidate, were not held up by it.
    for (const events of [runs.cp_b, runs.cp_c, [unordered]]) {
      const done = successes(events);
      expect(Math.max(...done)).toBeLessThan(heldUpSuccess);
    }
    expect(received.filter((request) => request.webhookId !== heldUp)).toHaveLength(all.length - 1);

    // Nothing is left queued (a stray turn's entry goes once older than the 9 s lease).
    await queueDrained(apps[1], { endpointId: endpoint.id }, { timeoutMs: 20_000 });
  }, 90_000);

  it('queues a turn only once the lane names it, so a worker reading the lane meanwhile cannot push it back', async () => {
    // Queued first, a worker could claim the entry, read the lane still naming the delivery before
    // it, and put the entry off to the end of the gap wait (a clean-clone CI run caught that).
    const endpointId = 'wh_turns';
    const laneId = `${endpointId}:cp_turns`;
    const inLane = (
      deliveryId: string,
      position: number,
    ): { _id: string; organizationId: string; endpointId: string; lane: DeliveryLane } => ({
      _id: deliveryId,
      organizationId,
      endpointId,
      lane: {
        laneId,
        deliveryId,
        runId: 'run_turns',
        position,
        after: position === 0 ? null : position - 1,
        since: Date.now(),
      },
    });
    const lanes = apps[0].get(CandidateLanesService);
    const queue = apps[0].get(DeliveryQueueService);
    const laneDocuments = apps[0].get<Model<CandidateLane>>(getModelToken(CandidateLane.name));
    const queuedWhile: string[] = [];
    const enqueue = queue.enqueue.bind(queue);
    const spy = jest.spyOn(queue, 'enqueue').mockImplementation(async (deliveries, queuedAt, leaseUntil) => {
      const ours = deliveries.filter((delivery) => delivery.endpointId === endpointId);
      if (ours.length === 0) return enqueue(deliveries, queuedAt, leaseUntil);
      const lane = await laneDocuments.findById(laneId).lean().exec();
      queuedWhile.push(...ours.map((delivery) => `${delivery.deliveryId} queued, lane names ${lane?.inFlight}`));
    });
    try {
      const [first, second, third] = [inLane('turn_1', 0), inLane('turn_2', 1), inLane('turn_3', 2)];
      expect(await lanes.enter(third)).toBe(false);
      expect(await lanes.enter(first)).toBe(true);
      expect(await lanes.enter(second)).toBe(false);
      expect(await lanes.claim(second)).toBe(false);
      await lanes.finish(first);
      expect(await lanes.claim(second)).toBe(true);
      await lanes.finish(second);
      expect(queuedWhile).toEqual(['turn_2 queued, lane names turn_2', 'turn_3 queued, lane names turn_3']);
    } finally {
      spy.mockRestore();
    }
  });
  it('loses no time when a dispatcher stops between handing a turn on and queuing it', async () => {
    // The first handling of A's first event writes the lane (the next event's turn) and then stops
    // before queuing that turn, as a crash would. The event comes again (the broker's retry); its
    // finish, repeated, finds the turn it handed on never queued and queues it: the next event
    // goes now, not when its wait for a missing predecessor ends (60 s here).
    const endpoint = await apps[0].get(WebhookEndpointsService).create(organizationId, {
      url: receiver.url('/stopped'),
      ordering: 'candidate',
    });
    receiver.answer = () => 200;
    const [first, second] = runEvents('cp_stopped', 'run_stopped');
    const deliveries = apps[0].get<Model<WebhookDelivery>>(getModelToken(WebhookDelivery.name));
    const publisher = apps[0].get(MessagePublisherService);
    await publisher.publish('events', second);
    await waitFor(() => deliveries.exists({ _id: deliveryIdFor(second.id, endpoint.id) }).exec(), {
      what: 'the second event to wait its turn',
    });

    let stopped = false;
    const spies = apps.map((app) => {
      const queue = app.get(DeliveryQueueService);
      const enqueue = queue.enqueue.bind(queue);
      return jest.spyOn(queue, 'enqueue').mockImplementation(async (queued, queuedAt, leaseUntil) => {
        const turn = leaseUntil === NO_LEASE && queued.some((delivery) => delivery.endpointId === endpoint.id);
        if (turn && !stopped) {
          stopped = true;
          throw new Error('stopped before queuing the turn');
        }
        return enqueue(queued, queuedAt, leaseUntil);
      });
    });
    try {
      await publisher.publish('events', first);
      await waitFor(
        async () =>
          (await deliveries
            .countDocuments({
              _id: { $in: [first, second].map((event) => deliveryIdFor(event.id, endpoint.id)) },
              status: 'SUCCEEDED',
            })
            .exec()) === 2,
        { what: 'both events to succeed', timeoutMs: 20_000 },
      );
      expect(stopped).toBe(true);
      expect(receiver.to('/stopped').map(({ webhookId }) => webhookId)).toEqual([first.id, second.id]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }, 40_000);
});
