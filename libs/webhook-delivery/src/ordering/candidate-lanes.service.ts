import { Inject, Injectable } from '@nestjs/common';
import { isDuplicateKeyError } from '@wfp/persistence';
import { DELIVERY_OPTIONS, type DeliveryOptions } from '../delivery-options';
import { DeliveryQueueService, NO_LEASE } from '../delivery/delivery-queue.service';
import type { DeliverableEvent } from '../delivery/webhook-envelope';
import type { WebhookEndpoint } from '../endpoints/webhook-endpoint.schema';
import { CandidateLaneRepository } from './candidate-lane.repository';
import type { CandidateLane } from './candidate-lane.schema';
import {
  claimTurn,
  EMPTY_LANE,
  enterLane,
  finishTurn,
  laneEntryOf,
  laneIdOf,
  type LaneClock,
  type LaneEntry,
  type LaneState,
} from './candidate-lanes';

/** A delivery's place in its candidate's lane, stored on the delivery. */
export interface DeliveryLane extends LaneEntry {
  laneId: string;
}

/** What a delivery in a lane is: enough to queue it when its turn comes. */
interface LaneDelivery {
  _id: string;
  organizationId: string;
  endpointId: string;
  lane?: DeliveryLane | null;
}

/** Writes a lane under contention is tried again, at most this often. */
const MAX_LANE_WRITES = 25;

/**
 * Keeps each candidate's deliveries to an ordered endpoint one at a time and in their runs' order
 * (candidate-lanes.ts), across instances: every change to a lane is a read by `_id` and a write
 * conditional on the version read. A delivery that may go is attempted as usual; one that may not
 * waits PENDING in the delivery queue until the wait for a missing predecessor is over, and is
 * queued for now as soon as its turn comes (the delivery before it finished), right after the
 * lane says so. A crash in between delays that turn to the end of the delivery's gap wait, when
 * its own queue entry comes due and finds it is its turn; the turn is never lost.
 */
@Injectable()
export class CandidateLanesService {
  constructor(
    private readonly lanes: CandidateLaneRepository,
    private readonly queue: DeliveryQueueService,
    @Inject(DELIVERY_OPTIONS) private readonly options: DeliveryOptions,
  ) {}

  /** The delivery's lane, when the endpoint keeps its candidates' events in order and the event has a candidate. */
  laneFor(endpoint: WebhookEndpoint, event: DeliverableEvent, deliveryId: string): DeliveryLane | null {
    if (endpoint.ordering !== 'candidate' || !event.order) return null;
    const takes = (type: string) => endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(type);
    return {
      laneId: laneIdOf(endpoint._id, event.order.candidateProfileId),
      ...laneEntryOf(deliveryId, event.order, takes, Date.now()),
    };
  }

  /** When a delivery that may not go yet is looked at again, failing its turn coming first. */
  wakeAt(lane: DeliveryLane): Date {
    return new Date(lane.since + this.options.orderGapWaitMs);
  }

  /** A new delivery comes to its lane: whether it may be attempted now. */
  async enter(delivery: LaneDelivery & { lane: DeliveryLane }): Promise<boolean> {
    const { go } = await this.change(delivery, (state, clock) => {
      const entered = enterLane(state, delivery.lane, clock);
      return { ...entered, changed: entered.state !== state, queue: entered.started };
    });
    return go;
  }

  /** A queued delivery of a lane is due: whether it may be attempted now (its turn). */
  async claim(delivery: LaneDelivery & { lane: DeliveryLane }): Promise<boolean> {
    const { go } = await this.change(delivery, (state, clock) => {
      const claimed = claimTurn(state, delivery._id, clock);
      return { ...claimed, changed: claimed.state !== state, queue: null };
    });
    return go;
  }

  /**
   * The delivery succeeded or was given up: the next one of its lane gets its turn. Repeated (a
   * redelivered event, a due entry whose delivery already finished: the first finish may have
   * stopped between writing the lane and queuing the turn), it queues the lane's current turn if
   * that turn was handed on and never queued.
   */
  async finish(delivery: LaneDelivery & { lane: DeliveryLane }): Promise<void> {
    const { current } = await this.change(delivery, (state, clock) => {
      const finished = finishTurn(state, delivery.lane, clock);
      return { ...finished, go: false, queue: finished.next };
    });
    if (current) await this.queue.queueHandedOnTurn(current.deliveryId, new Date(current.since));
  }

  /** A deleted endpoint's lanes go with it (an operator's request: a query by endpoint). */
  async forget(organizationId: string, endpointId: string): Promise<void> {
    await this.lanes.deleteMany(organizationId, { endpointId }).exec();
  }

  /**
   * Reads the lane, decides, and writes the decision if the lane is still as read (else again).
   * A delivery given the turn by the decision (`queue`) is then queued for now.
   */
  private async change<R extends { state: LaneState; changed: boolean; go: boolean; queue: LaneEntry | null }>(
    delivery: LaneDelivery & { lane: DeliveryLane },
    decide: (state: LaneState, clock: LaneClock) => R,
  ): Promise<R> {
    const { organizationId, endpointId } = delivery;
    const _id = delivery.lane.laneId;
    for (let write = 0; write < MAX_LANE_WRITES; write += 1) {
      const stored = (await this.lanes.findOne(organizationId, { _id }).lean().exec()) as CandidateLane | null;
      const state: LaneState = stored
        ? {
            inFlight: stored.inFlight,
            handedOnAt: stored.handedOnAt ?? null,
            waiting: stored.waiting,
            done: stored.done,
          }
        : EMPTY_LANE;
      const decision = decide(state, { nowMs: Date.now(), gapWaitMs: this.options.orderGapWaitMs });
      if (!decision.changed) return decision;
      if (!(await this.write(stored, { _id, organizationId, endpointId, ...decision.state }))) continue;
      // Only once the lane says it is its turn: a worker that reads the lane after this finds it
      // is, and one that found it was not (reading before) has its entry's lease taken away, so its
      // "not yet" cannot push the turn back to the end of the gap wait.
      if (decision.queue)
        await this.queue.enqueue(
          [{ deliveryId: decision.queue.deliveryId, organizationId, endpointId, nextAttemptAt: new Date() }],
          new Date(),
          NO_LEASE,
        );
      return decision;
    }
    throw new Error(`candidate lane ${_id}: too many concurrent changes`);
  }

  /** Writes the lane if it is still as read (made, when it was not there): whether it was. */
  private async write(stored: CandidateLane | null, lane: Omit<CandidateLane, 'version'>): Promise<boolean> {
    const { _id, organizationId, inFlight, handedOnAt, waiting, done } = lane;
    if (!stored) {
      try {
        await this.lanes.create({ ...lane, version: 1 });
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    }
    const written = await this.lanes
      .updateOne(
        organizationId,
        { _id, version: stored.version },
        { $set: { inFlight, handedOnAt, waiting, done }, $inc: { version: 1 } },
      )
      .exec();
    return written.matchedCount === 1;
  }
}
