import type { DeliveryOptions } from '../delivery-options';
import { EndpointCacheService } from './endpoint-cache.service';
import type { WebhookEndpointRepository } from './webhook-endpoint.repository';
import type { WebhookEndpoint } from './webhook-endpoint.schema';

function endpoint(id: string, organizationId = 'org_1'): WebhookEndpoint {
  return { _id: id, organizationId, url: `https://example.com/${id}`, eventTypes: [], enabled: true } as never;
}

/** A repository whose `find` answers from `stored` (as it is at the call) and counts its calls. */
function fakeModel(stored: WebhookEndpoint[]) {
  let gate: Promise<void> | null = null;
  const model = {
    reads: 0,
    /** Holds back the answers of the reads made from now until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
    find(organizationId: string) {
      model.reads += 1;
      const answer = stored.filter((candidate) => candidate.organizationId === organizationId);
      const held = gate;
      return { lean: () => ({ exec: async () => (await held, answer) }) };
    },
  };
  return model;
}

const options = { endpointCacheMs: 30_000 } as DeliveryOptions;

describe('EndpointCacheService', () => {
  it('reads an organization once and then answers from memory', async () => {
    const model = fakeModel([endpoint('we_1'), endpoint('we_2'), endpoint('we_3', 'org_2')]);
    const cache = new EndpointCacheService(model as unknown as WebhookEndpointRepository, options);
    expect((await cache.ofOrganization('org_1')).map(({ _id }) => _id)).toEqual(['we_1', 'we_2']);
    expect(await cache.find('org_1', 'we_2')).toMatchObject({ _id: 'we_2' });
    await Promise.all([cache.ofOrganization('org_1'), cache.ofOrganization('org_1')]);
    expect(model.reads).toBe(1);
  });

  it('applies its own changes at once and reads again after an invalidation', async () => {
    const stored = [endpoint('we_1')];
    const model = fakeModel(stored);
    const cache = new EndpointCacheService(model as unknown as WebhookEndpointRepository, options);
    await cache.ofOrganization('org_1');
    cache.put({ ...endpoint('we_1'), url: 'https://example.com/moved' });
    cache.put(endpoint('we_9'));
    cache.remove('org_1', 'we_1');
    expect((await cache.ofOrganization('org_1')).map(({ _id }) => _id)).toEqual(['we_9']);
    expect(model.reads).toBe(1);

    stored.push(endpoint('we_2'));
    cache.invalidate('org_1');
    expect((await cache.ofOrganization('org_1')).map(({ _id }) => _id)).toEqual(['we_1', 'we_2']);
    expect(model.reads).toBe(2);
  });

  it('does not keep a read that started before an invalidation', async () => {
    const stored = [endpoint('we_1')];
    const model = fakeModel(stored);
    const cache = new EndpointCacheService(model as unknown as WebhookEndpointRepository, options);
    const release = model.hold();
    const stale = cache.ofOrganization('org_1');
    stored.push(endpoint('we_2'));
    cache.invalidate('org_1');
    release();
    expect(await stale).toHaveLength(1);
    expect((await cache.ofOrganization('org_1')).map(({ _id }) => _id)).toEqual(['we_1', 'we_2']);
  });

  it('reads again an organization whose endpoint it misses, when asked to', async () => {
    const stored = [endpoint('we_1')];
    const model = fakeModel(stored);
    const cache = new EndpointCacheService(model as unknown as WebhookEndpointRepository, options);
    await cache.ofOrganization('org_1');
    stored.push(endpoint('we_2'));
    expect(await cache.find('org_1', 'we_2')).toBeNull();
    expect(await cache.find('org_1', 'we_2', { reloadIfMissing: true })).toMatchObject({ _id: 'we_2' });
    expect(await cache.find('org_1', 'we_3', { reloadIfMissing: true })).toBeNull();
  });

  it('forgets everything when it may have missed notices, and entries expire', async () => {
    const model = fakeModel([endpoint('we_1'), endpoint('we_2', 'org_2')]);
    const cache = new EndpointCacheService(model as unknown as WebhookEndpointRepository, options);
    await cache.ofOrganization('org_1');
    await cache.ofOrganization('org_2');
    cache.invalidateAll();
    expect(cache.peek('org_1', 'we_1')).toBeUndefined();
    await cache.ofOrganization('org_1');
    expect(model.reads).toBe(3);

    jest.useFakeTimers({ now: Date.now() + options.endpointCacheMs });
    try {
      await cache.ofOrganization('org_1');
      expect(model.reads).toBe(4);
    } finally {
      jest.useRealTimers();
    }
  });
});
