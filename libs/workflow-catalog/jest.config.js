module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'workflow-catalog',
  rootDir: __dirname,
};
