import { Inject, Injectable } from '@nestjs/common';
import { ENGINE_OPTIONS, type EngineOptions } from './engine/engine.options';
import { OrganizationSlots } from './organization-slots';
import { RunMetricsService } from './run-metrics.service';

/**
 * Which run messages this instance executes now: `organizationConcurrency` of one organization at
 * a time, more only while the instance has room to spare (OrganizationSlots). The caller defers a
 * message that is not admitted (back to the queue after a short delay), so one organization's slow
 * runs hold a bounded share of the consumer's prefetch and the other organizations' runs keep moving.
 */
@Injectable()
export class RunAdmissionService {
  private readonly slots: OrganizationSlots;

  constructor(
    @Inject(ENGINE_OPTIONS) options: EngineOptions,
    private readonly metrics: RunMetricsService,
  ) {
    this.slots = new OrganizationSlots(options.organizationConcurrency, options.spareCapacityBelow);
  }

  /** Runs `work` in one of the organization's slots; 'full' (nothing run) when it has none free. */
  async admit(organizationId: string, work: () => Promise<void>): Promise<'done' | 'full'> {
    const release = this.slots.tryTake(organizationId);
    if (!release) {
      this.metrics.messageDeferred();
      return 'full';
    }
    try {
      await work();
      return 'done';
    } finally {
      release();
    }
  }
}
