// The console's page script, bundled by esbuild when the console starts: Preact and the pages in
// one file, served from this process (nothing from a CDN). Building at start, not in a `prepare`
// step, means `npx crm-webhooks console` works on a fresh clone after `npm ci` and never serves a
// bundle older than the source; it takes a fraction of a second, like tsx compiling the CLI itself.
import { join } from 'node:path';

export interface ConsoleAssets {
  script: string;
  styles: string;
}

const UI_DIR = join(__dirname, 'ui');

export async function buildConsoleAssets(): Promise<ConsoleAssets> {
  // Loaded only here: the other commands never pay for esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(UI_DIR, 'main.tsx'), join(UI_DIR, 'styles.css')],
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'silent',
    tsconfig: join(UI_DIR, 'tsconfig.json'),
  });
  const file = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { script: file('.js'), styles: file('.css') };
}
