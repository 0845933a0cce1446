module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'workflow-graph',
  rootDir: __dirname,
};
