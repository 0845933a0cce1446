/** One scrape of a service's /metrics, read as Prometheus text. */
export class Scrape {
  private constructor(private readonly lines: { name: string; labels: Record<string, string>; value: number }[]) {}

  static async of(serviceUrl: string): Promise<Scrape> {
    const response = await fetch(`${serviceUrl}/metrics`);
    if (!response.ok) throw new Error(`${serviceUrl}/metrics answered ${response.status}`);
    return Scrape.parse(await response.text());
  }

  static parse(text: string): Scrape {
    const lines = text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => {
        const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!match) throw new Error(`unreadable metrics line: ${line}`);
        const labels: Record<string, string> = {};
        for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label[1]] = label[2];
        return { name: match[1], labels, value: Number(match[3]) };
      });
    return new Scrape(lines);
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
