module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'webhook-subscriptions',
  rootDir: __dirname,
};
