import { workspaceSources } from './workspace-sources';

/**
 * Tenant isolation is a guarantee (DESIGN.md section 3), so it must not depend on each author
 * remembering `organizationId`: a model is injected only into a repository (`*.repository.ts`),
 * and a repository of tenant data extends TenantRepository, whose every method requires the
 * organization. A query that must span organizations goes through `acrossOrganizations(reason)`.
 *
 * NOT_TENANT_DATA lists, with the reason, the files that hold a model of data that is not one
 * organization's; the list must match exactly, so nothing joins it unnoticed.
 */

const NOT_TENANT_DATA: Record<string, string> = {
  'libs/api-access/src/callback-receipts.service.ts':
    "the webhook-ids of the messaging service's signed callbacks: a sender's, not an organization's",
  'libs/api-access/src/organizations.service.ts':
    'the organizations themselves, and API keys, found by their hash before the organization is known',
  'libs/webhook-delivery/src/delivery/delivery-queue.service.ts':
    'the due-time queue of pending deliveries, polled across organizations; each entry names its organization, and the worker reads the delivery with it',
  'libs/webhook-delivery/src/migrations/pending-deliveries-migration.service.ts':
    "a one-off migration that moves every organization's pending deliveries to the queue",
};

/**
 * Repositories that take the organization by hand instead of extending TenantRepository, with the
 * reason.
 */
const REPOSITORIES_SCOPED_BY_HAND: Record<string, string> = {
  'libs/contact-resolution/src/profile-key.repository.ts':
    'keys are `<org>:<kind>:<value>`: the organization is the id prefix, which every method checks',
  'libs/api-access/src/idempotency.repository.ts': 'records are `<org>:<key>`, begun with the organization',
  'libs/workflow-runs/src/run.repository.ts':
    'runs are read with the organization (load, read, page); writes are by `_id` and version of a run read so; it also serves the cross-organization run timers and conversation lookups',
};

const sources = workspaceSources();

describe('tenant isolation', () => {
  it('injects models only into repositories, or where the data is not one organization’s (listed with the reason)', () => {
    const direct = sources
      .filter(({ file, text }) => text.includes('@InjectModel(') && !file.endsWith('.repository.ts'))
      .map(({ file }) => file)
      .sort();
    expect(direct).toEqual(Object.keys(NOT_TENANT_DATA).sort());
  });

  it('has every repository of tenant data require the organization (TenantRepository)', () => {
    const repositories = sources.filter(({ file }) => file.endsWith('.repository.ts'));
    expect(repositories.length).toBeGreaterThan(0);
    const unscoped = repositories
      .filter(({ file }) => !(file in REPOSITORIES_SCOPED_BY_HAND))
      .flatMap(({ file, text }) =>
        [...text.matchAll(/export class (\w+)(?: extends (\w+))?/g)]
          .filter((match) => match[2] !== 'TenantRepository')
          .map((match) => `${file}: ${match[1]}`),
      );
    expect(unscoped).toEqual([]);
  });

  it('says why wherever a query spans organizations', () => {
    const uses = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/acrossOrganizations\(([^)]*)\)/g)]
        .filter(() => !file.endsWith('tenant-repository.ts'))
        .map((match) => ({ file, reason: match[1] })),
    );
    for (const use of uses) expect(use.reason).toMatch(/^'.{10,}'$/);
  });
});
