import { MongoClient, type Collection, type Db, type Document } from 'mongodb';
import { testInfra, uniqueSuffix } from '@wfp/testing';

/**
 * What the services rely on from the store, checked against the real one (the embedded FerretDB
 * with the project's patches, tools/ferretdb/patches, or MONGO_URL's server). Each block fails on
 * FerretDB v1.24 without the patch named in its title; MongoDB gives all of it.
 */
describe('the store the services run on', () => {
  const infra = testInfra();
  let client: MongoClient;
  let db: Db;
  let docs: Collection<{ _id: string; organizationId: string; version: number; n: number; pad: string }>;

  beforeAll(async () => {
    client = await MongoClient.connect(infra.mongoUrl, { serverSelectionTimeoutMS: 5000 });
    db = client.db(`store_guarantees_${uniqueSuffix()}`);
    docs = db.collection('docs');
    // Enough documents that a plan which scans differs from one that seeks.
    await docs.insertMany(
      Array.from({ length: 300 }, (_, index) => ({
        _id: `doc_${index}`,
        organizationId: index % 2 === 0 ? 'org_a' : 'org_b',
        version: 0,
        n: 0,
        pad: 'x'.repeat(200),
      })),
    );
  });

  afterAll(async () => {
    await db?.dropDatabase().catch(() => undefined);
    await client?.close();
  });

  /** The query plan's words, MongoDB's or FerretDB's (SQLite's EXPLAIN QUERY PLAN lines, PostgreSQL's JSON plan). */
  async function planOf(filter: Document): Promise<string> {
    const explained = await docs.find(filter).explain();
    return JSON.stringify(explained['queryPlanner']);
  }

  // MongoDB: IDHACK / EXPRESS_IXSCAN / IXSCAN on _id_; FerretDB on SQLite: "SEARCH … USING INDEX <table>__id_";
  // on PostgreSQL (patch 0004): an (Bitmap) Index Scan on "<table>__id__<hash>_idx".
  const usesIdIndex =
    /IDHACK|EXPRESS_IXSCAN|"indexName":"_id_"|USING INDEX \S+__id_|"Index Name":"[^"]+__id__[0-9a-f]{8}_idx"/;

  describe('reads by _id use the _id index (patch 0001)', () => {
    it('finds a document by _id with an index seek, not a scan', async () => {
      expect(await planOf({ _id: 'doc_7' })).toMatch(usesIdIndex);
      expect(await docs.findOne({ _id: 'doc_7' })).toMatchObject({ _id: 'doc_7', organizationId: 'org_b' });
    });
  });

  describe('an _id equality with other conditions still uses the _id index (patch 0002)', () => {
    it.each([
      ['version guard', { _id: 'doc_8', version: 0 }],
      ['tenant check', { _id: 'doc_8', organizationId: 'org_a' }],
      ['$in', { _id: { $in: ['doc_8', 'doc_9'] } }],
    ])('serves the %s by the index', async (_, filter) => {
      expect(await planOf(filter)).toMatch(usesIdIndex);
    });

    it('still applies every other condition to what the index returns', async () => {
      expect(await docs.findOne({ _id: 'doc_8', organizationId: 'org_a' })).toMatchObject({ _id: 'doc_8' });
      expect(await docs.findOne({ _id: 'doc_8', organizationId: 'org_b' })).toBeNull();
      expect(await docs.findOne({ _id: 'doc_8', version: 1 })).toBeNull();
      const both = await docs.find({ _id: { $in: ['doc_8', 'doc_9', 'missing'] }, organizationId: 'org_a' }).toArray();
      expect(both.map((doc) => doc._id)).toEqual(['doc_8']);
      expect((await docs.updateOne({ _id: 'doc_8', organizationId: 'org_b' }, { $set: { n: 99 } })).matchedCount).toBe(
        0,
      );
    });
  });

  describe('an update reads and writes as one atomic step (patch 0003)', () => {
    it('loses none of 100 concurrent increments of one document', async () => {
      await Promise.all(Array.from({ length: 100 }, () => docs.updateOne({ _id: 'doc_20' }, { $inc: { n: 1 } })));
      expect((await docs.findOne({ _id: 'doc_20' }))?.n).toBe(100);
    });

    it('lets exactly one of 20 concurrent version-guarded updates win', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          docs.updateOne({ _id: 'doc_21', version: 0 }, { $set: { version: 1, pad: `writer ${index}` } }),
        ),
      );
      expect(results.filter((result) => result.modifiedCount === 1)).toHaveLength(1);
      expect(await docs.findOne({ _id: 'doc_21' })).toMatchObject({ version: 1 });
    });

    it('lets exactly one of 20 concurrent findOneAndUpdate claims win', async () => {
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          docs.findOneAndUpdate({ _id: 'doc_22', version: 0 }, { $set: { version: 1, pad: `claimed by ${index}` } }),
        ),
      );
      expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
    });
  });
});
