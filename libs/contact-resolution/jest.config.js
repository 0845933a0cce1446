module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'contact-resolution',
  rootDir: __dirname,
};
