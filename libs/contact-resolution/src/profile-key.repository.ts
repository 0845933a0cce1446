import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ProfileKey } from './schemas';

/**
 * The person's identifiers (`<org>:<kind>:<value>` → profile). The organization is the key's
 * prefix, not a field: every method takes the organization and refuses a key of another.
 */
@Injectable()
export class ProfileKeyRepository {
  constructor(@InjectModel(ProfileKey.name) private readonly keys: Model<ProfileKey>) {}

  find(organizationId: string, keys: string[]) {
    return this.keys
      .find({ _id: { $in: ownedBy(organizationId, keys) } })
      .lean()
      .exec();
  }

  /** Inserts the key; a duplicate-key error means someone's already. */
  create(organizationId: string, key: ProfileKey) {
    ownedBy(organizationId, [key._id]);
    return this.keys.create(key);
  }

  /**
   * Hands the keys that point at profile `from` to profile `to` (two items made a profile each for
   * one person at the same time: the one that lost a shared identifier gives up its own).
   */
  repoint(organizationId: string, keys: string[], from: string, to: string, createdBy: string | null) {
    return this.keys
      .updateMany(
        { _id: { $in: ownedBy(organizationId, keys) }, profileId: from },
        { $set: { profileId: to, createdBy } },
      )
      .exec();
  }

  insertMany(organizationId: string, keys: ProfileKey[]) {
    ownedBy(
      organizationId,
      keys.map((key) => key._id),
    );
    return this.keys.insertMany(keys, { ordered: false });
  }
}

function ownedBy(organizationId: string, keys: string[]): string[] {
  const foreign = keys.find((key) => !key.startsWith(`${organizationId}:`));
  if (foreign !== undefined) throw new Error(`profile key ${foreign} is not of organization ${organizationId}`);
  return keys;
}
