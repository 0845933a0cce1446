import { MongoNetworkError, MongoServerError } from 'mongodb';
import { isDocumentRefusedError, isDuplicateKeyError } from './mongo-errors';

describe('store error classes', () => {
  it('recognizes a document the store refuses, as FerretDB and MongoDB report it', () => {
    const ferretdb = new MongoServerError({
      code: 2,
      errmsg: `invalid key: "$schema" (key must not start with '$' sign)`,
    });
    const mongodbDotted = new MongoServerError({ code: 57, errmsg: 'dotted field name' });
    const tooLarge = new MongoServerError({ code: 10334, errmsg: 'BSONObj size is invalid' });
    for (const error of [ferretdb, mongodbDotted, tooLarge]) expect(isDocumentRefusedError(error)).toBe(true);
  });

  it('leaves transient failures to the retries', () => {
    expect(isDocumentRefusedError(new MongoNetworkError('connection reset'))).toBe(false);
    expect(isDocumentRefusedError(new MongoServerError({ code: 91, errmsg: 'shutdown in progress' }))).toBe(false);
    expect(isDocumentRefusedError(new Error('timeout'))).toBe(false);
    expect(isDocumentRefusedError(null)).toBe(false);
    expect(isDuplicateKeyError(new MongoServerError({ code: 11000, errmsg: 'E11000' }))).toBe(true);
  });
});
