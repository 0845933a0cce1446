import { type ServiceName } from '@wfp/messaging';

export const OPERATIONS_OPTIONS = Symbol('OPERATIONS_OPTIONS');

export interface OperationsOptions {
  /**
   * Where the gateway reaches each other service's HTTP port (health and metrics), as an SRE
   * deploys them; a service without a URL shows its health as unknown (its queue consumers
   * still show whether it is there).
   */
  serviceUrls: Partial<Record<ServiceName, string>>;
}

/**
 * `OPS_SERVICE_URLS`: `name=url` pairs separated by commas, e.g.
 * `workflow-processor=http://processor:3002,contact-resolver=http://resolver:3001`.
 */
export function parseServiceUrls(value: string, known: readonly string[]): Partial<Record<ServiceName, string>> {
  const urls: Partial<Record<ServiceName, string>> = {};
  for (const pair of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator).trim();
    const url = pair
      .slice(separator + 1)
      .trim()
      .replace(/\/+$/, '');
    if (separator <= 0 || !known.includes(name))
      throw new Error(`"${pair}" does not start with a service name (${known.join(', ')})`);
    if (!/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`"${pair}" does not end with an http(s) URL`);
    urls[name as ServiceName] = url;
  }
  return urls;
}
