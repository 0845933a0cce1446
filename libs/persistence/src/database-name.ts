import ConnectionString from 'mongodb-connection-string-url';

/**
 * Each service owns one database. A database named in MONGO_URL wins (operators choose names);
 * otherwise the service's default name is used, so one local server can hold every service's data.
 */
export function databaseNameFor(mongoUrl: string, defaultName: string): string {
  const pathname = new ConnectionString(mongoUrl).pathname.replace(/^\//, '');
  return pathname.length > 0 ? decodeURIComponent(pathname) : defaultName;
}
