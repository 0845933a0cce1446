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

@Injectable()
export class OrganizationsService {
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

  /** Resolves a presented key to its organization, or null when it is unknown or revoked. */
  async authenticate(presented: string): Promise<ApiPrincipal | null> {
    if (!looksLikeApiKey(presented)) return null;
    // By _id alone: the store's primary-key lookup (see findOwnedById).
    const key = await this.apiKeys.findById(hashApiKey(presented)).lean().exec();
    if (!key || key.revokedAt) return null;
    const organization = await this.organizations.exists({ _id: key.organizationId });
    return organization ? { organizationId: key.organizationId, keyId: key.keyId } : null;
  }
}
