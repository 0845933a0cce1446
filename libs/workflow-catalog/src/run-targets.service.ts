import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AmqpConnectionService, ChangeNotices, MESSAGING_OPTIONS, type MessagingOptions } from '@wfp/messaging';
import { RunTargetCache, type RunTarget } from './run-target-cache';

/** Routing key of the notice on the events exchange (no durable queue binds it). */
export const WORKFLOWS_CHANGED_ROUTING_KEY = 'workflows.changed';

/** How long a gateway instance trusts a cached run target without hearing of a change. */
const RUN_TARGET_TTL_MS = 30_000;

/**
 * The gateway's run targets in memory (RunTargetCache), kept current on every instance by a
 * broadcast (ChangeNotices): a publish or an archive on one instance drops the workflow's entry
 * here at once and on the other instances as soon as the notice reaches them.
 */
@Injectable()
export class RunTargetsService implements OnModuleInit {
  private readonly cache = new RunTargetCache(RUN_TARGET_TTL_MS);
  private notices: ChangeNotices | null = null;

  constructor(
    private readonly connection: AmqpConnectionService,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {}

  onModuleInit(): void {
    this.notices = new ChangeNotices(this.connection, {
      namespace: this.options.namespace,
      routingKey: WORKFLOWS_CHANGED_ROUTING_KEY,
      onChange: (workflowId) => this.cache.invalidate(workflowId),
      onReset: () => this.cache.invalidateAll(),
    });
  }

  get(organizationId: string, workflowId: string, load: () => Promise<RunTarget | null>): Promise<RunTarget | null> {
    return this.cache.get(organizationId, workflowId, load);
  }

  /** Drops the workflow here and tells the other instances (never fails: the change is stored). */
  async changed(workflowId: string): Promise<void> {
    this.cache.invalidate(workflowId);
    await this.notices?.changed(workflowId);
  }
}
