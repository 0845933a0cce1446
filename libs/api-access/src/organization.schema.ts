import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

@Schema({ collection: 'organizations', versionKey: false, minimize: false, timestamps: true })
export class Organization {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  name!: string;

  createdAt!: Date;
  updatedAt!: Date;
}

export const OrganizationSchema = SchemaFactory.createForClass(Organization);

/**
 * An API key, stored only as the SHA-256 of the key: the key itself is shown once, at creation.
 * Keys carry 256 random bits, so a fast hash is enough (there is nothing to brute-force).
 */
@Schema({ collection: 'api_keys', versionKey: false, minimize: false, timestamps: true })
export class ApiKey {
  /** Hex SHA-256 of the key. */
  @Prop({ type: String, required: true })
  _id!: string;

  /** Public id of the key, e.g. as `publishedByUserId`; never enough to authenticate. */
  @Prop({ required: true, unique: true })
  keyId!: string;

  @Prop({ required: true, index: true })
  organizationId!: string;

  /** First characters of the key, so an operator can tell keys apart. */
  @Prop({ required: true })
  prefix!: string;

  @Prop({ type: Date, default: null })
  revokedAt!: Date | null;

  createdAt!: Date;
}

export const ApiKeySchema = SchemaFactory.createForClass(ApiKey);
