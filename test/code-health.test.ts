// The project's rule "functions at most 60 lines", checked on every source file of lambdas/, local/,
// lib/ and cli/: each function declaration, method, constructor, accessor, function expression and
// arrow function is measured from the first to the last line of its body. A failure names each one
// that is longer, with its file, line and length, so the fix starts from the message.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_FUNCTION_LINES = 60;
const root = resolve(__dirname, '..');
const FOLDERS = ['lambdas', 'local', 'lib', 'cli'];
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'cdk.out']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

type FunctionNode = ts.FunctionLikeDeclaration & { body: ts.Node };

function isMeasured(node: ts.Node): node is FunctionNode {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node)) &&
    node.body !== undefined
  );
}

/** The name a reader would search for: its own, or the variable, property or call it is given to. */
function nameOf(node: FunctionNode, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return `${node.parent.name?.getText(source) ?? 'class'} constructor`;
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) {
    return parent.name.getText(source);
  }
  if (ts.isCallExpression(parent)) return `function passed to ${parent.expression.getText(source).replace(/\s+/g, ' ')}`;
  return 'anonymous function';
}

interface LongFunction {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function longFunctions(file: string, text: string, max = MAX_FUNCTION_LINES): LongFunction[] {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found: LongFunction[] = [];
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line + 1;
  const visit = (node: ts.Node): void => {
    if (isMeasured(node)) {
      const lines = lineOf(node.body.getEnd()) - lineOf(node.body.getStart(source)) + 1;
      if (lines > max) found.push({ file, line: lineOf(node.getStart(source)), name: nameOf(node, source), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('code health', () => {
  it('measures a function from the first to the last line of its body, arrow functions and methods included', () => {
    const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = [
      `function fits() {\n${body(60)}\n}`,
      `function tooLong() {\n${body(61)}\n}`,
      `const arrow = () => {\n${body(62)}\n};`,
      `class Box {\n  method() {\n${body(61)}\n  }\n}`,
      `register(() => {\n${body(61)}\n});`,
    ].join('\n');
    expect(longFunctions('sample.ts', text).map(({ name, lines }) => `${name} ${lines}`)).toEqual([
      'tooLong 61',
      'arrow 62',
      'method 61',
      'function passed to register 61',
    ]);
  });

  it(`has no function longer than ${MAX_FUNCTION_LINES} lines in ${FOLDERS.join('/, ')}/`, () => {
    const long = FOLDERS.flatMap((folder) => sourceFiles(join(root, folder))).flatMap((path) =>
      longFunctions(relative(root, path), readFileSync(path, 'utf8')),
    );
    const report = long.map((f) => `${f.file}:${f.line} ${f.name}: ${f.lines} lines`).join('\n');
    expect(report, `functions over ${MAX_FUNCTION_LINES} lines (split each into named parts with one role each)`).toBe('');
  });
});
