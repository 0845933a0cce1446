import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Tenant isolation is a guarantee (DESIGN.md section 3), so it must not depend on each author
 * remembering `organizationId`: a model is injected only into a repository (`*.repository.ts`),
 * and a repository of tenant data extends TenantRepository, whose every method requires the
 * organization. A query that must span organizations goes through `acrossOrganizations(reason)`.
 *
 * NOT_YET_REPOSITORIES lists the files that still query their models directly (each query of
 * theirs filters by organization by hand, or is one of the cross-organization pollers): the list
 * must match exactly, so it can only shrink, and a new file cannot join it unnoticed.
 */
const root = path.resolve(__dirname, '../..');

const NOT_YET_REPOSITORIES = [
  'libs/api-access/src/callback-receipts.service.ts',
  'libs/api-access/src/organizations.service.ts',
  'libs/webhook-delivery/src/delivery/delivery-queue.service.ts',
  'libs/webhook-delivery/src/migrations/pending-deliveries-migration.service.ts',
];

/**
 * Repositories older than TenantRepository: their methods take the organization by hand
 * (`RunRepository.load(organizationId, runId)`), and they also serve the cross-organization
 * pollers (run timers). To move onto TenantRepository like the rest.
 */
const REPOSITORIES_SCOPED_BY_HAND = [
  // Keys are `<org>:<kind>:<value>`: the organization is the id's prefix, which it checks.
  'libs/contact-resolution/src/profile-key.repository.ts',
  'libs/api-access/src/idempotency.repository.ts',
  'libs/workflow-runs/src/run.repository.ts',
];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(full);
    return name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name) ? [full] : [];
  });
}

const sources = ['libs', 'apps']
  .flatMap((top) => sourceFiles(path.join(root, top)))
  .map((file) => ({ file: path.relative(root, file), text: readFileSync(file, 'utf8') }));

describe('tenant isolation', () => {
  it('injects models only into repositories (the files still to move are listed exactly)', () => {
    const direct = sources
      .filter(({ file, text }) => text.includes('@InjectModel(') && !file.endsWith('.repository.ts'))
      .map(({ file }) => file)
      .sort();
    expect(direct).toEqual([...NOT_YET_REPOSITORIES].sort());
  });

  it('has every repository of tenant data require the organization (TenantRepository)', () => {
    const repositories = sources.filter(({ file }) => file.endsWith('.repository.ts'));
    expect(repositories.length).toBeGreaterThan(0);
    const unscoped = repositories
      .filter(({ file }) => !REPOSITORIES_SCOPED_BY_HAND.includes(file))
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
