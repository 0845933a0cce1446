import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key-hash';
import { newId } from '@wfp/contracts';
import { ApiKey, Organization } from './organization.schema';

export interface CreatedOrganization {
  id: string;
  name: string;
  apiKey: string;
}

/** Who is calling: resolved from the API key on every request. */
export interface ApiPrincipal {
  organizationId: string;
  keyId: string;
}

/** How long a gateway instance trusts a key it authenticated. */
export const AUTHENTICATED_KEY_TTL_MS = 30_000;
/** Keys remembered at most (a bound on memory, not a working-set size). */
const REMEMBERED_KEYS = 10_000;

@Injectable()
export class OrganizationsService {
  private readonly authenticated = new Map<string, { principal: ApiPrincipal; until: number }>();

  constructor(
    @InjectModel(Organization.name) private readonly organizations: Model<Organization>,
    @InjectModel(ApiKey.name) private readonly apiKeys: Model<ApiKey>,
  ) {}

  /**
   * Creates the organization and its first key. The key row is written first: if the second write
   * fails the orphan key names an organization that does not exist, and authenticates nothing.
   */
  async create(name: string): Promise<CreatedOrganization> {
    const organizationId = newId('org');
    const apiKey = await this.issueKey(organizationId);
    await this.organizations.create({ _id: organizationId, name });
    return { id: organizationId, name, apiKey };
  }

  async issueKey(organizationId: string): Promise<string> {
    const key = generateApiKey();
    await this.apiKeys.create({
      _id: hashApiKey(key),
      keyId: newId('key'),
      organizationId,
      prefix: key.slice(0, 8),
      revokedAt: null,
    });
    return key;
  }

  /**
   * Resolves a presented key to its organization, or null when it is unknown or revoked. A key
   * that authenticated is remembered for AUTHENTICATED_KEY_TTL_MS, so a busy caller costs no store
   * read per request; a revocation therefore takes effect on each gateway instance within that time.
   */
  async authenticate(presented: string): Promise<ApiPrincipal | null> {
    if (!looksLikeApiKey(presented)) return null;
    const hash = hashApiKey(presented);
    const remembered = this.authenticated.get(hash);
    if (remembered && remembered.until > Date.now()) return remembered.principal;
    const key = await this.apiKeys.findById(hash).lean().exec();
    if (!key || key.revokedAt) return null;
    const organization = await this.organizations.exists({ _id: key.organizationId });
    if (!organization) return null;
    const principal = { organizationId: key.organizationId, keyId: key.keyId };
    if (this.authenticated.size >= REMEMBERED_KEYS) this.authenticated.clear();
    this.authenticated.set(hash, { principal, until: Date.now() + AUTHENTICATED_KEY_TTL_MS });
    return principal;
  }
}
