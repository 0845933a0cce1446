import { parsePrometheusText } from '@wfp/observability';
import { TEST_ADMIN_TOKEN } from './platform';

/** Memory of one running service, read from its own Prometheus /metrics (prom-client defaults). */
export interface ServiceMemory {
  rssBytes: number;
  heapUsedBytes: number;
}

/** Undefined when the service does not answer (for example while it restarts). */
export async function readServiceMemory(serviceUrl: string): Promise<ServiceMemory | undefined> {
  // The gateway's /metrics needs the admin token; the other services ignore the header.
  const response = await fetch(`${serviceUrl}/metrics`, {
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    signal: AbortSignal.timeout(5_000),
  }).catch(() => null);
  if (!response?.ok) return undefined;
  const samples = parsePrometheusText(await response.text());
  const gauge = (name: string) => samples.find((sample) => sample.name === name)?.value;
  const rssBytes = gauge('process_resident_memory_bytes');
  const heapUsedBytes = gauge('nodejs_heap_size_used_bytes');
  if (rssBytes === undefined || heapUsedBytes === undefined) return undefined;
  return { rssBytes, heapUsedBytes };
}

/**
 * Least-squares slope of a series of (time, value) samples, in value units per hour: the growth
 * rate of a soak, less sensitive to one garbage-collection swing than last-minus-first.
 */
export function growthPerHour(samples: { atMs: number; value: number }[]): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const meanT = samples.reduce((sum, s) => sum + s.atMs, 0) / n;
  const meanV = samples.reduce((sum, s) => sum + s.value, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const sample of samples) {
    numerator += (sample.atMs - meanT) * (sample.value - meanV);
    denominator += (sample.atMs - meanT) ** 2;
  }
  return denominator === 0 ? 0 : (numerator / denominator) * 3_600_000;
}
