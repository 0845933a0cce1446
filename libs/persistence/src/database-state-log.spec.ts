import { serverStateChange } from './database-state-log';

describe('serverStateChange', () => {
  const up = { type: 'Standalone', error: null };
  const down = { type: 'Unknown', error: { message: 'connection 46 to 127.0.0.1:27017 closed' } };

  it('says once when the server becomes unreachable, with why', () => {
    expect(serverStateChange('127.0.0.1:27017', up, down)).toEqual({
      level: 'warn',
      message: 'database server 127.0.0.1:27017 unreachable: connection 46 to 127.0.0.1:27017 closed',
    });
  });

  it('says when it is reachable again, but not at the first discovery', () => {
    expect(serverStateChange('h:1', down, up)).toEqual({
      level: 'log',
      message: 'database server h:1 reachable again (Standalone)',
    });
    expect(serverStateChange('h:1', { type: 'Unknown', error: null }, up)).toBeNull();
  });

  it('is silent while nothing changes', () => {
    expect(serverStateChange('h:1', up, up)).toBeNull();
    expect(serverStateChange('h:1', down, down)).toBeNull();
  });
});
