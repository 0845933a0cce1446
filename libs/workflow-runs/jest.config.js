module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'workflow-runs',
  rootDir: __dirname,
};
