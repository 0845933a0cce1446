import { databaseNameFor } from './database-name';

describe('databaseNameFor', () => {
  it('uses the database named in the URL', () => {
    expect(databaseNameFor('mongodb://127.0.0.1:27017/runs_prod', 'workflow_processor')).toBe('runs_prod');
  });

  it('falls back to the service default when the URL names none', () => {
    expect(databaseNameFor('mongodb://127.0.0.1:27017', 'workflow_processor')).toBe('workflow_processor');
    expect(databaseNameFor('mongodb://127.0.0.1:27017/?replicaSet=rs0', 'workflow_api')).toBe('workflow_api');
  });

  it('understands replica-set URLs with several hosts and credentials', () => {
    expect(databaseNameFor('mongodb://user:p%40ss@a:27017,b:27017/orders?replicaSet=rs0', 'x')).toBe('orders');
  });
});
