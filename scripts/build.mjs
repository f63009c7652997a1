#!/usr/bin/env node
/**
 * Builds dist/ as a few ES module bundles instead of one file per source
 * module. Isolation is the first thing `ir contain` does, and before it Node
 * spends most of its time resolving and compiling hundreds of small module
 * files (ours, zod's, the Docker client's): a bundle cuts that start-up CPU
 * by about 40%. Commands and the AWS SDK stay in chunks loaded on use.
 * Type checking is `tsc --noEmit`, run before this by `npm run build`.
 */
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const outdir = new URL('../dist/', import.meta.url).pathname;

/**
 * dockerode's BuildKit session (gRPC and protobuf, about half of the Docker
 * client's code) serves image builds, which ir never does: it is left out so
 * it is not loaded before isolation, and fails plainly should it ever be used.
 */
const withoutBuildKitSession = {
  name: 'without-buildkit-session',
  setup(bundler) {
    bundler.onResolve({ filter: /^\.\/session$/ }, ({ importer }) =>
      (/node_modules\/dockerode\/lib\//.test(importer) ? { path: 'dockerode-session', namespace: 'ir-stub' } : undefined));
    bundler.onLoad({ filter: /.*/, namespace: 'ir-stub' }, () => ({
      loader: 'js',
      contents: 'module.exports = function () { throw new Error("ir does not build images: BuildKit sessions are left out"); };',
    }));
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [new URL('../src/cli.ts', import.meta.url).pathname],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // ssh2 finds files beside its own sources at run time and cpu-features is a
  // native add-on: both stay ordinary packages loaded from node_modules.
  external: ['ssh2', 'cpu-features'],
  // Bundled CommonJS packages call require() for Node's built-in modules.
  banner: { js: "import { createRequire as irCreateRequire } from 'node:module';\n" +
    'const require = irCreateRequire(import.meta.url);' },
  plugins: [withoutBuildKitSession],
  logLevel: 'warning',
});
