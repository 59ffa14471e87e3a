// The documentation stands alone: the README stays short enough to read, and every relative link in
// it and in docs/ reaches a file of this repository (a clone has nothing beside it).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../lambdas/config';
import { localKeys, serviceKeys } from '../../local/config';

const root = resolve(__dirname, '../..');
const README_MAX_BYTES = 10 * 1024;

/** The markdown files checked: the README and every page under docs/. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name));
  return [join(root, 'README.md'), ...docs];
}

/** Link targets of a markdown text, code blocks and code spans left out (they show commands, not links). */
export function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
  const references = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1] ?? '');
  return [...inline, ...references];
}

/** What is wrong with each relative link of `file`: it leaves the repository, or names nothing. */
export function linkProblems(file: string, markdown: string, repositoryRoot = root): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    const path = decodeURIComponent(target.split('#')[0]?.split('?')[0] ?? '');
    const resolved = path.startsWith('/') ? join(repositoryRoot, path) : resolve(dirname(file), path);
    const inside = relative(repositoryRoot, resolved);
    const name = relative(repositoryRoot, file);
    if (inside === '..' || inside.startsWith(`..${sep}`)) {
      problems.push(`${name}: ${target} leaves the repository`);
    } else if (!existsSync(resolved)) {
      problems.push(`${name}: ${target} does not exist`);
    }
  }
  return problems;
}

describe('the documentation', () => {
  it(`keeps README.md within ${README_MAX_BYTES} bytes`, () => {
    expect(statSync(join(root, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('links only to files of this repository that exist, from README.md and docs/*.md', () => {
    const files = markdownFiles();
    expect(files.length).toBeGreaterThan(1);
    const problems = files.flatMap((file) => linkProblems(file, readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('links from the README to every page under docs/', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const linked = new Set(linkTargets(readme).map((target) => target.split('#')[0]));
    const pages = markdownFiles()
      .slice(1)
      .map((file) => relative(root, file).split(sep).join('/'));
    expect(pages.filter((page) => !linked.has(page))).toEqual([]);
  });

  it('reports a link out of the repository, a missing file, and nothing in code', () => {
    const file = join(root, 'docs', 'page.md');
    const markdown = [
      'See [the design](../../shared/DESIGN.md) and [the seed](/../shared/seed/webhooks.rst).',
      'Also [gone](missing.md), ![picture](console.png), [ok](../README.md#quick-start) and [site](https://example.com).',
      '[ref]: ../../elsewhere.md',
      '`[not a link](../../shared/x.md)`',
      '```md',
      '[also not a link](../../shared/y.md)',
      '```',
    ].join('\n');
    expect(linkProblems(file, markdown)).toEqual([
      'docs/page.md: ../../shared/DESIGN.md leaves the repository',
      'docs/page.md: /../shared/seed/webhooks.rst leaves the repository',
      'docs/page.md: missing.md does not exist',
      'docs/page.md: ../../elsewhere.md leaves the repository',
    ]);
  });
});

describe('the reference pages', () => {
  const page = (name: string) => readFileSync(join(root, 'docs', name), 'utf8');
  const unnamed = (text: string, names: readonly string[]) => names.filter((name) => !text.includes(`\`${name}\``));

  it('name every variable of the local runtime, and every function variable', () => {
    expect(unnamed(page('local-runtime.md'), [...localKeys, ...serviceKeys, 'TARGET_ALLOWLIST'])).toEqual([]);
    expect(unnamed(page('operations.md'), Object.keys(configSchema))).toEqual([]);
  });

  it('list every metric the service writes', () => {
    const source = readFileSync(join(root, 'lambdas/domain/metrics.ts'), 'utf8');
    const union = source.slice(source.indexOf('export type MetricName'), source.indexOf(';', source.indexOf('export type MetricName')));
    const metrics = [...union.matchAll(/\|\s*'(\w+)'/g)].map((m) => m[1] ?? '');
    expect(metrics.length).toBeGreaterThan(20);
    expect(unnamed(page('operations.md'), metrics)).toEqual([]);
  });
});
