import { Injectable, Logger } from '@nestjs/common';
import { OpsRecentRunsQuery, type RecentRunView } from '@wfp/contracts';
import { RpcClient } from '@wfp/messaging';
import { BrokerQueuesService, type QueueState } from './broker-queues.service';
import { DeadLettersService, type DeadLetterListView } from './dead-letters.service';
import type { BreakerView } from './breakers';
import { ServiceHealthService, type ServiceHealthView } from './service-health.service';

const RECENT_RUNS = 15;
const DEAD_LETTERS_SHOWN = 20;

/** Everything the operations page shows, read at once; a part that cannot be read is named in `problems`. */
export interface OpsSnapshot {
  takenAt: string;
  services: ServiceHealthView[];
  queues: QueueState[];
  deadLetters: DeadLetterListView[];
  /** null when the dispatcher's metrics cannot be read. */
  breakers: BreakerView[] | null;
  runs: RecentRunView[];
  problems: string[];
}

@Injectable()
export class OpsSnapshotService {
  private readonly log = new Logger(OpsSnapshotService.name);

  constructor(
    private readonly queues: BrokerQueuesService,
    private readonly deadLetters: DeadLettersService,
    private readonly health: ServiceHealthService,
    private readonly rpc: RpcClient,
  ) {}

  async take(correlationId: string): Promise<OpsSnapshot> {
    const problems: string[] = [];
    const failed = (part: string) => (error: unknown) => {
      this.log.warn(`operations page: cannot read ${part}: ${String(error)}`);
      problems.push(`${part} could not be read`);
      return null;
    };
    const queues = (await this.queues.states().catch(failed('the queues (message broker)'))) ?? [];
    const withDeadLetters = [
      ...new Set(queues.filter((q) => q.kind === 'dlq' && q.messageCount > 0).map((q) => q.service)),
    ];
    const [services, breakers, runs, deadLetters] = await Promise.all([
      this.health.health('workflow-api', queues),
      this.health.breakers().catch(failed('the circuit breakers (webhook-dispatcher metrics)')),
      this.rpc
        .request<{ runs: RecentRunView[] }>(
          OpsRecentRunsQuery.type,
          { limit: RECENT_RUNS } satisfies OpsRecentRunsQuery,
          { organizationId: 'operations', correlationId },
          3_000,
        )
        .then((answer) => answer.runs)
        .catch(failed('the recent runs (workflow-processor)')),
      Promise.all(
        withDeadLetters.map((service) =>
          this.deadLetters.list(service, DEAD_LETTERS_SHOWN).catch(failed(`the DLQs of ${service}`)),
        ),
      ),
    ]);
    return {
      takenAt: new Date().toISOString(),
      services,
      queues,
      deadLetters: deadLetters.filter((list): list is DeadLetterListView => list !== null),
      breakers,
      runs: runs ?? [],
      problems,
    };
  }
}
