module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'workflow-processor',
  rootDir: __dirname,
};
