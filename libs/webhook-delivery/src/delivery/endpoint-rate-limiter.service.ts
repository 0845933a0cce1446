import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { isDuplicateKeyError } from '@wfp/persistence';
import { MetricsRegistryService } from '@wfp/observability';
import type { WebhookEndpoint } from '../endpoints/webhook-endpoint.schema';
import { DeliveryQueueService } from './delivery-queue.service';
import { EndpointSendWindowRepository } from './endpoint-send-window.repository';
import type { EndpointSendWindow } from './endpoint-send-window.schema';
import { batchSize, grantedSlots, retryAfterLimit, usableAt, WINDOW_MS, windowOf } from './send-windows';

interface Waiter {
  resolve: (granted: boolean) => void;
  timer: NodeJS.Timeout;
}

/** One rate-limited endpoint's attempts waiting in this instance, and the slots it holds for them. */
interface Pacer {
  endpointId: string;
  organizationId: string;
  limit: number;
  waiters: Waiter[];
  /** Send times of the slots taken and not used yet, ascending. */
  slots: number[];
  reserving: boolean;
  /** Not before this time is the shared counter asked again (its windows were full). */
  nextTakeAt: number;
  timer: NodeJS.Timeout | null;
}

/** How long the shared counter is left alone after it failed (the store is down or slow). */
const STORE_BACKOFF_MS = 250;

/**
 * Keeps each rate-limited endpoint's deliveries, across all instances, to its
 * `rateLimitPerSecond`. Attempts wait here, in order, for a send slot (send-windows.ts); the slots
 * come in small batches from a counter per endpoint in the store (`webhook_endpoint_send_windows`,
 * one atomic findAndModify per batch). An attempt that gets no slot within its wait is put off by
 * the caller (its delivery waits in the delivery queue, neither failed nor dropped). Endpoints
 * without a limit never come here and cost nothing.
 */
@Injectable()
export class EndpointRateLimiterService implements OnApplicationShutdown {
  private readonly logger = new Logger(EndpointRateLimiterService.name);
  private readonly pacers = new Map<string, Pacer>();
  /** Rate-limited endpoints this instance has sent to: their backlog is reported. */
  private readonly limitedEndpoints = new Set<string>();
  private readonly waitingGauge: Gauge<'endpoint_id'>;
  private readonly queuedGauge: Gauge<'endpoint_id'>;
  private closing = false;

  constructor(
    private readonly windows: EndpointSendWindowRepository,
    private readonly queue: DeliveryQueueService,
    registry: MetricsRegistryService,
  ) {
    this.waitingGauge = registry.gauge({
      name: 'webhook_endpoint_rate_limit_waiting',
      help: 'Attempts of a rate-limited endpoint waiting in this instance for a send slot (sum over instances)',
      labelNames: ['endpoint_id'],
      collect: () => this.reportWaiting(),
    });
    this.queuedGauge = registry.gauge({
      name: 'webhook_endpoint_queued_deliveries',
      help: 'Pending deliveries of a rate-limited endpoint in the shared delivery queue (put off by its limit, or retries); every instance reports the same count: use max',
      labelNames: ['endpoint_id'],
      // One aggregation over the queue per scrape, and none while no endpoint here has a limit.
      collect: () => this.reportQueued(),
    });
  }

  /**
   * Waits up to `maxWaitMs` for one of the endpoint's send slots. False when none came in time:
   * the caller puts the delivery off (see `retryAt`).
   */
  acquire(endpoint: WebhookEndpoint, maxWaitMs: number): Promise<boolean> {
    const limit = endpoint.rateLimitPerSecond;
    if (!limit) return Promise.resolve(true);
    if (this.closing) return Promise.resolve(false);
    this.limitedEndpoints.add(endpoint._id);
    const pacer = this.pacerOf(endpoint, limit);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const index = pacer.waiters.indexOf(waiter);
          if (index >= 0) pacer.waiters.splice(index, 1);
          resolve(false);
        }, maxWaitMs),
      };
      pacer.waiters.push(waiter);
      this.pump(pacer);
    });
  }

  /** When a delivery put off by the limit should be tried again. */
  retryAt(endpoint: WebhookEndpoint, now = Date.now()): Date {
    const limit = endpoint.rateLimitPerSecond ?? 1;
    const waiting = this.pacers.get(endpoint._id)?.waiters.length ?? 0;
    return new Date(retryAfterLimit(now, limit, waiting, Math.random()));
  }

  /**
   * Endpoints with a second's worth of attempts already waiting here: the due-poller claims no
   * more of their deliveries for now (they would only wait and be put off again).
   */
  saturated(): string[] {
    return [...this.pacers.values()]
      .filter((pacer) => pacer.waiters.length >= pacer.limit)
      .map((pacer) => pacer.endpointId);
  }

  private pacerOf(endpoint: WebhookEndpoint, limit: number): Pacer {
    let pacer = this.pacers.get(endpoint._id);
    if (!pacer) {
      pacer = {
        endpointId: endpoint._id,
        organizationId: endpoint.organizationId,
        limit,
        waiters: [],
        slots: [],
        reserving: false,
        nextTakeAt: 0,
        timer: null,
      };
      this.pacers.set(endpoint._id, pacer);
    }
    // A changed limit applies from the next batch of slots.
    pacer.limit = limit;
    return pacer;
  }

  /** Hands out the slots whose time has come, and takes more when waiters are left without one. */
  private pump(pacer: Pacer): void {
    if (pacer.timer) clearTimeout(pacer.timer);
    pacer.timer = null;
    const now = Date.now();
    // A slot can only be used within its own window; one handed out late only well inside it.
    while (pacer.slots.length > 0 && !usableAt(pacer.slots[0], now)) pacer.slots.shift();
    while (pacer.slots.length > 0 && pacer.slots[0] <= now && pacer.waiters.length > 0) {
      if (!usableAt(pacer.slots.shift()!, now)) continue;
      const waiter = pacer.waiters.shift()!;
      clearTimeout(waiter.timer);
      waiter.resolve(true);
    }
    if (pacer.waiters.length === 0) {
      // Unused slots are given up: nobody else may use them anyway, and no more are taken.
      if (!pacer.reserving) this.pacers.delete(pacer.endpointId);
      return;
    }
    const needed = pacer.waiters.length - pacer.slots.length;
    if (needed > 0 && !pacer.reserving && now >= pacer.nextTakeAt) {
      void this.take(pacer, batchSize(pacer.limit, needed));
      return;
    }
    const wakeAt = Math.min(pacer.slots[0] ?? Infinity, needed > 0 && !pacer.reserving ? pacer.nextTakeAt : Infinity);
    if (Number.isFinite(wakeAt)) pacer.timer = setTimeout(() => this.pump(pacer), Math.max(0, wakeAt - now));
  }

  private async take(pacer: Pacer, count: number): Promise<void> {
    pacer.reserving = true;
    try {
      const taken = await this.takeSlots(pacer, count, Date.now());
      pacer.slots.push(...taken.slots);
      pacer.slots.sort((a, b) => a - b);
      pacer.nextTakeAt = taken.retryAt ?? 0;
    } catch (error) {
      this.logger.warn(`send slots of endpoint ${pacer.endpointId} not taken (tried again shortly): ${String(error)}`);
      pacer.nextTakeAt = Date.now() + STORE_BACKOFF_MS;
    } finally {
      pacer.reserving = false;
      this.pump(pacer);
    }
  }

  /**
   * Takes up to `count` slots from the shared counter: of the current window, else of the next one
   * (never further ahead: the waits are short). Usually one findAndModify.
   */
  private async takeSlots(pacer: Pacer, count: number, now: number): Promise<{ slots: number[]; retryAt?: number }> {
    const { endpointId: _id, organizationId, limit } = pacer;
    const current = windowOf(now);
    let window = current;
    for (let tries = 0; tries < 4 && window <= current + 1; tries += 1) {
      const counted = (await this.windows
        .findOneAndUpdate(
          organizationId,
          { _id, window, taken: { $lt: limit } },
          { $inc: { taken: count } },
          { returnDocument: 'after' },
        )
        .lean()
        .exec()) as EndpointSendWindow | null;
      if (counted) return { slots: grantedSlots(window, counted.taken - count, count, limit, now) };
      const moved = await this.windows
        .findOneAndUpdate(
          organizationId,
          { _id, window: { $lt: window } },
          { $set: { window, taken: count } },
          { returnDocument: 'after' },
        )
        .lean()
        .exec();
      if (moved) return { slots: grantedSlots(window, 0, count, limit, now) };
      const stored = (await this.windows.findOne(organizationId, { _id }).lean().exec()) as EndpointSendWindow | null;
      if (!stored) {
        try {
          await this.windows.create({ _id, organizationId, window, taken: count });
          return { slots: grantedSlots(window, 0, count, limit, now) };
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          continue; // another instance made it first
        }
      }
      // The counter is at this window (full) or a later one.
      window = stored.taken >= limit ? Math.max(window, stored.window) + 1 : Math.max(window, stored.window);
    }
    return { slots: [], retryAt: (current + 1) * WINDOW_MS };
  }

  /** A deleted endpoint's counter goes with it. */
  async forget(organizationId: string, endpointId: string): Promise<void> {
    this.limitedEndpoints.delete(endpointId);
    await this.windows.deleteOne(organizationId, { _id: endpointId }).exec();
  }

  private async reportQueued(): Promise<void> {
    const queued = await this.queue.queuedFor([...this.limitedEndpoints]);
    this.queuedGauge.reset();
    for (const endpointId of this.limitedEndpoints)
      this.queuedGauge.set({ endpoint_id: endpointId }, queued.get(endpointId) ?? 0);
  }

  private reportWaiting(): void {
    this.waitingGauge.reset();
    for (const pacer of this.pacers.values())
      this.waitingGauge.set({ endpoint_id: pacer.endpointId }, pacer.waiters.length);
  }

  onApplicationShutdown(): void {
    this.closing = true;
    for (const pacer of this.pacers.values()) {
      if (pacer.timer) clearTimeout(pacer.timer);
      for (const waiter of pacer.waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.resolve(false);
      }
    }
    this.pacers.clear();
  }
}
