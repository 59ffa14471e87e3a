// DynamoDB condition, key-condition and update expressions, for the in-memory fake: just the grammar
// the adapters use (comparisons, BETWEEN, AND/OR/NOT, parentheses, attribute_exists /
// attribute_not_exists / begins_with; SET with values, attributes, if_not_exists and +/-; REMOVE), top-level
// attributes only. Anything else throws, so a new expression in the adapters fails the benchmark
// loudly instead of being evaluated wrongly. Compiled once per expression text.

export type Item = Record<string, unknown>;
export type Names = Record<string, string> | undefined;
export type Values = Record<string, unknown> | undefined;

type Token = { kind: 'punct' | 'name' | 'value' | 'ident' | 'keyword'; text: string };

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'punct', text: two });
      i += 2;
      continue;
    }
    if ('(),=<>+-'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i += 1;
      continue;
    }
    const word = /^[#:]?[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
    if (!word)
      throw new Error(`fake DynamoDB: unsupported expression syntax at ${JSON.stringify(text.slice(i))} in ${JSON.stringify(text)}`);
    if (word.startsWith('#')) tokens.push({ kind: 'name', text: word });
    else if (word.startsWith(':')) tokens.push({ kind: 'value', text: word });
    else if (KEYWORDS.has(word.toUpperCase())) tokens.push({ kind: 'keyword', text: word.toUpperCase() });
    else tokens.push({ kind: 'ident', text: word });
    i += word.length;
  }
  return tokens;
}

interface Env {
  item: Item | undefined;
  names: Names;
  values: Values;
}

type Operand = (env: Env) => unknown;
type Predicate = (env: Env) => boolean;

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  done(): boolean {
    return this.pos >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  next(): Token {
    const token = this.tokens[this.pos++];
    if (!token) throw this.error('unexpected end');
    return token;
  }

  accept(text: string): boolean {
    const token = this.peek();
    if (token && (token.kind === 'punct' || token.kind === 'keyword') && token.text === text) {
      this.pos += 1;
      return true;
    }
    return false;
  }

  expect(text: string): void {
    if (!this.accept(text)) throw this.error(`expected ${text}`);
  }

  error(why: string): Error {
    return new Error(`fake DynamoDB: ${why} at token ${this.pos} of ${JSON.stringify(this.source)}`);
  }

  /** The attribute name a path token stands for (top-level attributes only). */
  path(): (env: Env) => string {
    const token = this.next();
    if (token.kind === 'ident') return () => token.text;
    if (token.kind === 'name') {
      return (env) => {
        const name = env.names?.[token.text];
        if (name === undefined) throw new Error(`fake DynamoDB: ${token.text} not in ExpressionAttributeNames`);
        return name;
      };
    }
    throw this.error('expected an attribute name');
  }

  operand(): Operand {
    const token = this.peek();
    if (token?.kind === 'value') {
      this.pos += 1;
      return (env) => {
        if (!env.values || !(token.text in env.values)) throw new Error(`fake DynamoDB: ${token.text} not in ExpressionAttributeValues`);
        return env.values[token.text];
      };
    }
    const name = this.path();
    return (env) => env.item?.[name(env)];
  }

  /** A SET operand: also `if_not_exists(path, operand)`. */
  setOperand(): Operand {
    const token = this.peek();
    if (token?.kind !== 'ident' || token.text !== 'if_not_exists') return this.operand();
    this.pos += 1;
    this.expect('(');
    const name = this.path();
    this.expect(',');
    const fallback = this.operand();
    this.expect(')');
    return (env) => env.item?.[name(env)] ?? fallback(env);
  }

  condition(): Predicate {
    let left = this.conjunction();
    while (this.accept('OR')) {
      const a = left;
      const b = this.conjunction();
      left = (env) => a(env) || b(env);
    }
    return left;
  }

  private conjunction(): Predicate {
    let left = this.negation();
    while (this.accept('AND')) {
      const a = left;
      const b = this.negation();
      left = (env) => a(env) && b(env);
    }
    return left;
  }

  private negation(): Predicate {
    if (this.accept('NOT')) {
      const inner = this.negation();
      return (env) => !inner(env);
    }
    return this.primary();
  }

  private primary(): Predicate {
    if (this.accept('(')) {
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    const token = this.peek();
    const fn = token?.kind === 'ident' ? token.text : undefined;
    if (fn === 'attribute_exists' || fn === 'attribute_not_exists' || fn === 'begins_with') {
      this.pos += 1;
      this.expect('(');
      const name = this.path();
      if (fn === 'begins_with') {
        this.expect(',');
        const prefix = this.operand();
        this.expect(')');
        return (env) => {
          const value = env.item?.[name(env)];
          const p = prefix(env);
          return typeof value === 'string' && typeof p === 'string' && value.startsWith(p);
        };
      }
      this.expect(')');
      return fn === 'attribute_exists'
        ? (env) => env.item !== undefined && env.item[name(env)] !== undefined
        : (env) => env.item === undefined || env.item[name(env)] === undefined;
    }
    const left = this.operand();
    if (this.accept('BETWEEN')) {
      const low = this.operand();
      this.expect('AND');
      const high = this.operand();
      return (env) => {
        const v = left(env);
        return compare(v, low(env), '>=') && compare(v, high(env), '<=');
      };
    }
    const op = this.next();
    if (op.kind !== 'punct' || !['=', '<>', '<', '<=', '>', '>='].includes(op.text)) throw this.error('expected a comparison');
    const right = this.operand();
    return (env) => compare(left(env), right(env), op.text);
  }
}

function compare(a: unknown, b: unknown, op: string): boolean {
  // DynamoDB: a comparison with a missing attribute, or across types, is false (<> included).
  if (a === undefined || b === undefined) return false;
  if (typeof a !== typeof b) return false;
  if (typeof a === 'object' || typeof b === 'object') {
    const same = JSON.stringify(a) === JSON.stringify(b);
    if (op === '=') return same;
    if (op === '<>') return !same;
    return false;
  }
  const x = a as string | number;
  const y = b as string | number;
  switch (op) {
    case '=':
      return x === y;
    case '<>':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

const conditions = new Map<string, Predicate>();

/** Whether `item` (undefined: no such item) satisfies the condition or key-condition expression. */
export function evaluateCondition(expression: string, item: Item | undefined, names: Names, values: Values): boolean {
  let predicate = conditions.get(expression);
  if (!predicate) {
    const parser = new Parser(tokenize(expression), expression);
    predicate = parser.condition();
    if (!parser.done()) throw parser.error('trailing tokens');
    conditions.set(expression, predicate);
  }
  return predicate({ item, names, values });
}

type Update = (before: Item, names: Names, values: Values) => Item;
const updates = new Map<string, Update>();

/** The item after applying the update expression to `before` (every operand reads the old item). */
export function applyUpdate(expression: string, before: Item, names: Names, values: Values): Item {
  let update = updates.get(expression);
  if (!update) {
    update = compileUpdate(expression);
    updates.set(expression, update);
  }
  return update(before, names, values);
}

function compileUpdate(expression: string): Update {
  const parser = new Parser(tokenize(expression), expression);
  const sets: Array<{ name: (env: Env) => string; value: Operand }> = [];
  const removes: Array<(env: Env) => string> = [];
  while (!parser.done()) {
    const clause = parser.next();
    if (clause.kind !== 'keyword' || (clause.text !== 'SET' && clause.text !== 'REMOVE')) throw parser.error('expected SET or REMOVE');
    do {
      if (clause.text === 'SET') {
        const name = parser.path();
        parser.expect('=');
        const first = parser.setOperand();
        let value = first;
        if (parser.accept('+')) {
          const second = parser.operand();
          value = (env) => (first(env) as number) + (second(env) as number);
        } else if (parser.accept('-')) {
          const second = parser.operand();
          value = (env) => (first(env) as number) - (second(env) as number);
        }
        sets.push({ name, value });
      } else {
        removes.push(parser.path());
      }
    } while (parser.accept(','));
  }
  return (before, names, values) => {
    const env: Env = { item: before, names, values };
    const after: Item = { ...before };
    for (const set of sets) {
      const value = set.value(env);
      if (value === undefined) throw new Error(`fake DynamoDB: SET ${set.name(env)} to a missing value in ${JSON.stringify(expression)}`);
      after[set.name(env)] = value;
    }
    for (const remove of removes) delete after[remove(env)];
    return after;
  };
}
