import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
// The storage's types live apart from its CommonJS module (the package has no exports map).
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { TransformationType } from 'class-transformer';
import { parse } from 'yaml';
import { ResolverConfig } from '../../apps/contact-resolver/src/resolver.config';
import { DispatcherConfig } from '../../apps/webhook-dispatcher/src/dispatcher.config';
import { ApiConfig } from '../../apps/workflow-api/src/api.config';
import { ProcessorConfig } from '../../apps/workflow-processor/src/processor.config';

/**
 * Independent deployment stays true: each service has its own Dockerfile building only itself,
 * the compose file runs the four with every variable they require, and the README documents
 * every variable each service reads.
 */
const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

const apps = [
  { name: 'workflow-api', port: 3000, config: ApiConfig },
  { name: 'contact-resolver', port: 3001, config: ResolverConfig },
  { name: 'workflow-processor', port: 3002, config: ProcessorConfig },
  { name: 'webhook-dispatcher', port: 3003, config: DispatcherConfig },
] as const;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: MetadataStorage;
};

/** Every environment variable a config class reads (its @Expose()d properties, inherited ones too). */
function variablesOf(config: new () => object): string[] {
  return defaultMetadataStorage
    .getExposedProperties(config, TransformationType.PLAIN_TO_CLASS)
    .filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name));
}

/** Variables the service cannot start without (no default value). */
function requiredOf(config: new () => object): string[] {
  const defaults = new config() as Record<string, unknown>;
  return variablesOf(config).filter((name) => defaults[name] === undefined);
}

describe('deployment', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; build?: { dockerfile: string } }>;
  };

  it.each(apps)('$name has a Dockerfile that builds and ships only itself', ({ name, port }) => {
    const dockerfile = read(`apps/${name}/Dockerfile`);
    expect(dockerfile).toContain(`npx nx build ${name} `);
    expect(dockerfile).toContain(`/workspace/dist/apps/${name}/package.json`);
    expect(dockerfile).toContain(`npm ci --omit=dev`);
    expect(dockerfile).toContain(`EXPOSE ${port}`);
    // Exec form, with the heap sizing and environment every other launcher uses.
    const { flags, env } = JSON.parse(readFileSync(path.join(root, 'tools/service-node-flags.json'), 'utf8')) as {
      flags: string[];
      env: Record<string, string>;
    };
    for (const [name, value] of Object.entries(env)) expect(dockerfile).toContain(`ENV ${name}=${value}\n`);
    expect(dockerfile).toContain(
      `CMD ${JSON.stringify(['node', ...flags, '--enable-source-maps', 'main.js'])}`.replace(/,/g, ', '),
    );
  });

  it.each(apps)('compose runs $name from its Dockerfile with every variable it requires', ({ name, config }) => {
    const service = compose.services[name];
    expect(service?.build?.dockerfile).toBe(`apps/${name}/Dockerfile`);
    const environment = Object.keys(service.environment ?? {});
    expect(requiredOf(config).filter((variable) => !environment.includes(variable))).toEqual([]);
    expect(service.environment?.['MONGO_URL']).toContain('replicaSet=rs0');
  });

  it('compose has the broker and the database the services use', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['contact-resolver', 'mongodb', 'rabbitmq', 'webhook-dispatcher', 'workflow-api', 'workflow-processor'].sort(),
    );
  });

  it('the README documents every variable each service reads', () => {
    const readme = read('README.md');
    const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1]));
    for (const line of readme.split('\n').filter((l) => l.startsWith('| `'))) {
      for (const match of line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)) documented.add(match[1]);
    }
    const missing = apps.flatMap(({ name, config }) =>
      variablesOf(config)
        .filter((variable) => !documented.has(variable))
        .map((variable) => `${name}: ${variable}`),
    );
    expect(missing).toEqual([]);
  });

  it.each(apps)('the build gives $name its own package.json with only npm packages', ({ name }) => {
    const file = path.join(root, 'dist/apps', name, 'package.json');
    // npm test builds the bundles before Jest runs.
    expect(existsSync(file)).toBe(true);
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { main: string; dependencies: Record<string, string> };
    expect(manifest.main).toBe('main.js');
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['@nestjs/core', 'amqplib', 'mongoose']));
    expect(Object.keys(manifest.dependencies).filter((dependency) => dependency.startsWith('@wfp/'))).toEqual([]);
  });
});
