import path from 'node:path';
import { workspaceSources } from './workspace-sources';

/**
 * Names say what a thing is: every injectable carries Nest's suffix (a service, a repository, a
 * guard…), and no two classes of the libs share a name (two `WebhookEndpointsService`s with
 * different roles once lived side by side).
 */
const NEST_SUFFIXES = [
  'Service',
  'Repository',
  'Controller',
  'Guard',
  'Interceptor',
  'Pipe',
  'Filter',
  'Middleware',
  'Indicator',
  'Handler',
  'Client',
  'Strategy',
];

const sources = workspaceSources().filter(({ file }) => file.includes(`${path.sep}src${path.sep}`));

describe('names', () => {
  it('give every injectable one of Nest’s suffixes', () => {
    const unsuffixed = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/@Injectable\([^)]*\)\s*export (?:abstract )?class (\w+)/g)]
        .map((match) => match[1] as string)
        .filter((name) => !NEST_SUFFIXES.some((suffix) => name.endsWith(suffix)))
        .map((name) => `${file}: ${name}`),
    );
    expect(unsuffixed).toEqual([]);
  });

  it('give no two classes of the libs the same name', () => {
    const owners = new Map<string, string[]>();
    for (const { file, text } of sources.filter((source) => source.file.startsWith('libs'))) {
      for (const match of text.matchAll(/^export (?:abstract )?class (\w+)/gm)) {
        const name = match[1] as string;
        owners.set(name, [...(owners.get(name) ?? []), file]);
      }
    }
    expect([...owners].filter(([, files]) => files.length > 1)).toEqual([]);
  });
});
