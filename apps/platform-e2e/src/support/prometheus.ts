import { parsePrometheusText, type MetricSample } from '@wfp/observability';
import { TEST_ADMIN_TOKEN } from '@wfp/testing';

/** One scrape of a service's /metrics, read as Prometheus text. */
export class Scrape {
  private constructor(private readonly lines: MetricSample[]) {}

  static async of(serviceUrl: string): Promise<Scrape> {
    // The gateway's /metrics needs the admin token; the other services ignore the header.
    const response = await fetch(`${serviceUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    if (!response.ok) throw new Error(`${serviceUrl}/metrics answered ${response.status}`);
    return new Scrape(parsePrometheusText(await response.text()));
  }

  /** Sum of the series of `name` whose labels include `labels`; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const matching = this.lines.filter(
      (line) => line.name === name && Object.entries(labels).every(([key, value]) => line.labels[key] === value),
    );
    return matching.length === 0 ? undefined : matching.reduce((sum, line) => sum + line.value, 0);
  }

  /** The label sets of every series of `name`. */
  series(name: string): Record<string, string>[] {
    return this.lines.filter((line) => line.name === name).map((line) => line.labels);
  }
}
