import { cpSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { backgroundFunctions, endpointGroups } from '../packages/functions/src/groups.js';

// Bundles every function as the Lambda runtime loads it: one ESM file per function under dist/functions/<name>/.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuiltFunction {
  name: string;
  file: string;
  exportName: string;
  bytes: number;
}

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
    const outfile = join(outdir, group.name, 'index.mjs');
    await build({
      entryPoints: [file],
      outfile,
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
    built.push({ name: group.name, file: outfile, exportName, bytes: statSync(outfile).size });
  }
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildFunctions();
  for (const f of built) console.log(`${f.name.padEnd(20)} ${(f.bytes / 1024).toFixed(0).padStart(6)} KB  ${f.file.replace(`${root}/`, '')}`);
}
