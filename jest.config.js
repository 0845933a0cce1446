// One Jest run over every project, so `npm test` reports a single total.
const { readdirSync, existsSync } = require('node:fs');
const path = require('node:path');

const projects = ['apps', 'libs', 'tools']
  .flatMap((dir) => (existsSync(dir) ? readdirSync(dir).map((name) => path.join(dir, name)) : []))
  .filter((dir) => existsSync(path.join(dir, 'jest.config.js')))
  .map((dir) => `<rootDir>/${dir}`);

// Jest's own 5 s default would fail a service that boots in a hook on a busy machine; the waits
// inside the tests decide by progress, and this only bounds a test that hangs outright. (A global
// option: projects cannot set it, so the e2e project raises it again in its setup file.)
module.exports = { projects, testTimeout: 60_000 };
