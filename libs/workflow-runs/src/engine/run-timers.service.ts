import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createUncheckedEnvelope, type MessageEnvelope } from '@wfp/contracts';
import { RunRepository } from '../run.repository';
import { ENGINE_OPTIONS, type EngineOptions } from './engine.options';
import { RunEngineService } from './run-engine.service';

/** How long a claimed timer belongs to the instance that claimed it. */
const LEASE_MS = 30_000;

/**
 * Fires stored timers (`run_timers`, one per waiting run) even after a restart. Any instance may
 * poll; a lease taken with one atomic findOneAndUpdate makes sure only one of them fires a given
 * timer. The poller reads only the waits in progress, never the runs.
 */
@Injectable()
export class RunTimersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RunTimersService.name);
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly store: RunRepository,
    private readonly engine: RunEngineService,
    @Inject(ENGINE_OPTIONS) private readonly options: EngineOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.polling ??= this.fireDue()
        .then(() => undefined)
        .finally(() => (this.polling = null));
    }, this.options.timerPollIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  /** Claims and fires due timers until none is left. Returns how many fired. */
  async fireDue(): Promise<number> {
    let fired = 0;
    try {
      for (;;) {
        const due = await this.store.claimDueTimer(new Date(), LEASE_MS);
        if (!due) return fired;
        // Never published: the cause the timeout's messages name (their causationId).
        const cause: MessageEnvelope = createUncheckedEnvelope(
          { type: 'timer.fired', schemaVersion: 1 },
          { runId: due._id },
          { organizationId: due.organizationId },
        );
        await this.engine.timeOut(due.organizationId, due._id, cause);
        fired += 1;
      }
    } catch (error) {
      this.logger.warn(`timer poll failed (retried next tick): ${String(error)}`);
      return fired;
    }
  }
}
