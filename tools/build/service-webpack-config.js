const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

/**
 * Webpack config of one service: a self-contained bundle where workspace libs are bundled in and
 * npm packages stay external, listed in a generated package.json, so each service deploys alone.
 */
module.exports = function serviceWebpackConfig(appDir, name) {
  return {
    output: { path: join(appDir, '../../dist/apps', name) },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
      }),
    ],
  };
};
