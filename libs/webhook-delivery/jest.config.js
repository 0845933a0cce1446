module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'webhook-delivery',
  rootDir: __dirname,
};
