module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'api-access',
  rootDir: __dirname,
};
