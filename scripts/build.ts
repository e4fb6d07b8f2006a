import { cpSync, mkdirSync, statSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { backgroundFunctions, endpointGroups } from '../packages/functions/src/groups.js';

// Bundles every function as the Lambda runtime loads it: an ESM entry (index.mjs) per function under
// dist/functions/<name>/, with chunks/ beside it for what is loaded on demand.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuiltFunction {
  name: string;
  file: string;
  exportName: string;
  /** The entry file and the chunks it imports statically: what a cold start loads. */
  bytes: number;
  /** Every file of the bundle, the chunks loaded on demand included. */
  totalBytes: number;
}

/**
 * zod re-exports every locale as a namespace (`z.locales`), so bundling zod keeps all of them (about
 * 260 KB minified) although only English, its default, is ever used. The locale index is replaced by
 * English alone.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), args.path), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * `@hono/zod-openapi` imports zod's `z` namespace only to hand it to `extendZodWithOpenApi`, which reads
 * `z.ZodType` alone; passing the namespace as a value keeps every export of zod in the bundle (JSON Schema
 * conversion, `z.compile`, ...), about 95 KB minified that no function uses. Its `zod` is replaced by an
 * object holding `ZodType`, the same class, so the extension patches the one zod the schemas use. Our own
 * modules import zod as `import * as z from 'zod'`, which esbuild shakes down to what they call; `z` from
 * `@hono/zod-openapi` is this object and must not be imported (test/lambda.test.ts checks).
 */
const zodNamespaceForOpenApi: Plugin = {
  name: 'zod-namespace-for-openapi',
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, (args) =>
      args.namespace === 'file' && /[\\/]@hono[\\/]zod-openapi[\\/]/.test(args.importer) ? { path: args.importer, namespace: 'zod-for-openapi' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-for-openapi' }, (args) => ({
      contents: `import { ZodType } from 'zod'; export const z = { ZodType };`,
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * Node's built-in modules, imported by an `import` statement, are required instead. An ESM import of a
 * built-in makes Node build its module facade, which reads every export up front, lazy getters included:
 * `node:http`'s load undici and the web streams (about 40 ms), `process`'s take about 8 ms. `require` hands
 * the same module object without reading it; esbuild reads each named import where it is used.
 */
const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^[a-z:_/]+$/ }, (args) =>
      args.kind === 'import-statement' && isBuiltin(args.path) ? { path: args.path, namespace: 'node-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/**
 * Outside the docs function nothing reads the OpenAPI registry or a schema's OpenAPI metadata: the
 * document is the docs function's alone (api/docs). There `@asteasolutions/zod-to-openapi` (the registry,
 * the document generators, and `.openapi()`, which clones the schema it is called on and records its
 * metadata) is replaced by a registry that keeps nothing and an `.openapi()` that returns its schema:
 * validation is zod's own either way, and no function serves a document it cannot build.
 */
const openApiOnlyInDocs: Plugin = {
  name: 'openapi-only-in-docs',
  setup(b) {
    b.onResolve({ filter: /^@asteasolutions\/zod-to-openapi$/ }, () => ({ path: 'zod-to-openapi', namespace: 'openapi-outside-docs' }));
    b.onLoad({ filter: /.*/, namespace: 'openapi-outside-docs' }, () => ({
      contents: `
const noDocument = () => { throw new Error('The OpenAPI document is built by the docs function only'); };
export class OpenAPIRegistry {
  definitions = [];
  register(_refId, schema) { return schema; }
  registerParameter(_refId, schema) { return schema; }
  registerPath() {}
  registerWebhook() {}
  registerComponent(_type, _name, component) { return { name: _name, ref: { $ref: '#/components/' + _type + '/' + _name }, component }; }
}
export class OpenApiGeneratorV3 { constructor() { noDocument(); } }
export class OpenApiGeneratorV31 { constructor() { noDocument(); } }
export function extendZodWithOpenApi(zod) {
  if (typeof zod.ZodType.prototype.openapi === 'undefined') zod.ZodType.prototype.openapi = function () { return this; };
}
export function getOpenApiMetadata() { return {}; }
`,
      loader: 'js',
    }));
  },
};

/** Handler strings are `path/to/file.export`, relative to the repository root. */
function splitHandler(handler: string) {
  const dot = handler.lastIndexOf('.');
  return { file: join(root, `${handler.slice(0, dot)}.ts`), exportName: handler.slice(dot + 1) };
}

export async function buildFunctions(options: { outdir?: string; only?: string[] } = {}): Promise<BuiltFunction[]> {
  const outdir = options.outdir ?? join(root, 'dist', 'functions');
  const built: BuiltFunction[] = [];
  for (const group of [...endpointGroups, ...Object.values(backgroundFunctions)]) {
    if (options.only && !options.only.includes(group.name)) continue;
    const { file, exportName } = splitHandler(group.handler);
    const dir = join(outdir, group.name);
    const outfile = join(dir, 'index.mjs');
    const result = await build({
      entryPoints: { index: file },
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      // What a request path loads only on demand (the AWS SDK, nodemailer, ajv, the markdown renderer)
      // goes to chunks of its own, so the cold start does not parse it.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      metafile: true,
      plugins: [zodEnglishOnly, zodNamespaceForOpenApi, builtinsByRequire, ...(group.name === 'docs' ? [] : [openApiOnlyInDocs])],
      bundle: true,
      minify: true,
      sourcemap: false,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      logLevel: 'warning',
      // Never loaded in Lambda: the embedded database (local only), ws's optional native add-ons, pg-native.
      external: ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'kysely-pglite-dialect', 'bufferutil', 'utf-8-validate', 'pg-native'],
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    });
    if (group.name === 'docs') {
      const swaggerUi = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
      mkdirSync(join(outdir, group.name, 'swagger-ui'), { recursive: true });
      for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js']) cpSync(join(swaggerUi, asset), join(outdir, group.name, 'swagger-ui', asset));
    }
    const outputs = result.metafile.outputs;
    const key = Object.keys(outputs).find((k) => resolve(root, k) === outfile)!;
    const eager = new Set<string>();
    const visit = (k: string) => {
      if (eager.has(k)) return;
      eager.add(k);
      for (const i of outputs[k]!.imports) if (i.kind === 'import-statement' && outputs[i.path]) visit(i.path);
    };
    visit(key);
    const sum = (keys: Iterable<string>) => [...keys].reduce((n, k) => n + outputs[k]!.bytes, 0);
    built.push({ name: group.name, file: outfile, exportName, bytes: sum(eager), totalBytes: sum(Object.keys(outputs)) });
  }
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildFunctions();
  for (const f of built) {
    console.log(`${f.name.padEnd(20)} ${(f.bytes / 1024).toFixed(0).padStart(6)} KB at import, ${(f.totalBytes / 1024).toFixed(0).padStart(6)} KB in all  ${f.file.replace(`${root}/`, '')}`);
  }
}
