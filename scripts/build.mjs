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

/**
 * import() of a CommonJS package gives only its default export once bundled,
 * where Node would also have found its named exports: such an import would
 * fail at run time, in whichever step first reaches it. Refuse it here.
 */
function refuseDynamicCommonJs(metafile) {
  const wrong = Object.entries(metafile.inputs).flatMap(([file, input]) => input.imports
    .filter((imp) => imp.kind === 'dynamic-import' && metafile.inputs[imp.path]?.format === 'cjs')
    .map((imp) => `${file} imports ${imp.original ?? imp.path}`));
  if (wrong.length > 0) {
    throw new Error(`import() of a CommonJS package loses its named exports in the bundle: ${wrong.join('; ')}. ` +
      'Import it statically from a module that is itself loaded on use.');
  }
}

/** The AWS SDK must not load before isolation: every moment before the first disconnect counts. */
function refuseAwsBeforeIsolation(metafile) {
  const outputs = metafile.outputs;
  const contain = Object.keys(outputs).find((file) => /\/contain-[^/]+\.js$/.test(file));
  const seen = new Set();
  const queue = [Object.keys(outputs).find((file) => file.endsWith('/cli.js')), contain];
  while (queue.length > 0) {
    const file = queue.pop();
    if (!file || seen.has(file)) continue;
    seen.add(file);
    queue.push(...outputs[file].imports.filter((imp) => imp.kind === 'import-statement' && !imp.external).map((imp) => imp.path));
  }
  const aws = [...seen].filter((file) => Object.keys(outputs[file].inputs).some((input) => input.includes('@aws-sdk/')));
  if (aws.length > 0) throw new Error(`the AWS SDK is loaded before ir contain can isolate (in ${aws.join(', ')})`);
}

await rm(outdir, { recursive: true, force: true });
const { metafile } = await build({
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
  metafile: true,
  logLevel: 'warning',
});
refuseDynamicCommonJs(metafile);
refuseAwsBeforeIsolation(metafile);
