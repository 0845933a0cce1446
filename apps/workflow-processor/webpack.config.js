const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

// One self-contained bundle per service; workspace libs are bundled in, npm packages stay
// external and are listed in the generated package.json, so each service deploys on its own.
module.exports = {
  output: { path: join(__dirname, '../../dist/apps/workflow-processor') },
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
