module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'contact-resolver',
  rootDir: __dirname,
};
