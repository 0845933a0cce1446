// Fault tests (`npm run test:chaos`): the four services from their bundles, on a RabbitMQ and a
// FerretDB of their own that the tests restart under load.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'platform-faults',
  rootDir: __dirname,
  testMatch: ['**/*.fault-spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/jest.setup.ts'],
};
