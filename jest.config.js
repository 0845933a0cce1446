// One Jest run over every project, so `npm test` reports a single total.
const { readdirSync, existsSync } = require('node:fs');
const path = require('node:path');

const projects = ['apps', 'libs', 'tools']
  .flatMap((dir) => (existsSync(dir) ? readdirSync(dir).map((name) => path.join(dir, name)) : []))
  .filter((dir) => existsSync(path.join(dir, 'jest.config.js')))
  .map((dir) => `<rootDir>/${dir}`);

module.exports = { projects };
