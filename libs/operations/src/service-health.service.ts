import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_NAMES, type QueueState } from './broker-queues.service';
import { OPERATIONS_OPTIONS, type OperationsOptions } from './operations.options';
import { parsePrometheusText } from '@wfp/observability';
import { breakersFromMetrics, type BreakerView } from './breakers';
import { type ServiceName } from '@wfp/messaging';

const PROBE_TIMEOUT_MS = 2_000;

export interface ServiceHealthView {
  service: ServiceName;
  /** up: ready; not-ready: answers but a dependency is down; unreachable: no answer; unknown: no URL configured. */
  status: 'up' | 'not-ready' | 'unreachable' | 'unknown';
  url: string | null;
  /** What /health/ready said is down, when it is not ready. */
  detail: string | null;
  /** Consumers on the service's work queues, as the broker counts them (instances × queues). */
  consumers: number;
}

/** Each service's health, read over HTTP from the URLs the gateway is given, beside what the broker sees. */
@Injectable()
export class ServiceHealthService {
  constructor(@Inject(OPERATIONS_OPTIONS) private readonly options: OperationsOptions) {}

  async health(self: ServiceName, queues: QueueState[]): Promise<ServiceHealthView[]> {
    return Promise.all(
      SERVICE_NAMES.map(async (service) => {
        const consumers = queues
          .filter((queue) => queue.service === service && (queue.kind === 'work' || queue.kind === 'rpc'))
          .reduce((sum, queue) => sum + queue.consumerCount, 0);
        const url = this.options.serviceUrls[service] ?? null;
        // This gateway is answering this very request.
        if (service === self) return { service, status: 'up' as const, url, detail: 'this instance', consumers };
        if (!url) return { service, status: 'unknown' as const, url, detail: null, consumers };
        const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).catch(
          () => null,
        );
        if (!response) return { service, status: 'unreachable' as const, url, detail: null, consumers };
        if (response.ok) return { service, status: 'up' as const, url, detail: null, consumers };
        const body = (await response.json().catch(() => ({}))) as { error?: Record<string, unknown> };
        const down = Object.keys(body.error ?? {});
        return {
          service,
          status: 'not-ready' as const,
          url,
          detail: down.length > 0 ? `down: ${down.join(', ')}` : `HTTP ${response.status}`,
          consumers,
        };
      }),
    );
  }

  /** Circuit breakers per endpoint, from the dispatcher's /metrics (that instance's view). */
  async breakers(): Promise<BreakerView[] | null> {
    const url = this.options.serviceUrls['webhook-dispatcher'];
    if (!url) return null;
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).catch(() => null);
    if (!response?.ok) return null;
    return breakersFromMetrics(parsePrometheusText(await response.text()));
  }
}
