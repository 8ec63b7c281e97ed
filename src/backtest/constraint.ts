/**
 * `--constraint "fast < slow"`: a small expression language over the strategy's params, parsed by hand
 * (tokenizer + recursive descent) into a tree and evaluated against each grid cell. Never eval/Function: the text
 * is user input and the params are all it can see.
 *
 *   or      := and (('or' | '||') and)*
 *   and     := not (('and' | '&&') not)*
 *   not     := ('not' | '!') not | compare
 *   compare := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)*      a < b < c means a < b and b < c (Python)
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/' | '%') unary)*
 *   unary   := '-' unary | atom
 *   atom    := number | 'string' | "string" | true | false | name | '(' or ')'
 *
 * Types are strict, as a careful reader expects: arithmetic and ordering need numbers (ordering also two
 * strings), `and`/`or`/`not` need booleans, `==` is false across types, and the whole must be true or false.
 * `%` is Python's (the sign of the divisor); dividing by 0 is an error, as it is in Python.
 * Every error is one line naming the flag, the text and the 1-based column.
 */
import { CiftError, didYouMean } from '../errors.js';
import type { Params } from './types.js';

type Value = number | string | boolean;
type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
type ArithOp = '+' | '-' | '*' | '/' | '%';

export type ConstraintNode =
  | { kind: 'literal'; value: Value; at: number }
  | { kind: 'name'; name: string; at: number }
  | { kind: 'negate'; operand: ConstraintNode; at: number }
  | { kind: 'not'; operand: ConstraintNode; at: number }
  | { kind: 'arith'; op: ArithOp; left: ConstraintNode; right: ConstraintNode; at: number }
  | { kind: 'compare'; ops: CompareOp[]; operands: ConstraintNode[]; ats: number[] }
  | { kind: 'logic'; op: 'and' | 'or'; left: ConstraintNode; right: ConstraintNode; at: number };

interface Token {
  kind: 'literal' | 'name' | 'op' | 'end';
  text: string;
  value?: Value;
  /** 0-based offset in the text. */
  at: number;
}

const OPERATORS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '(', ')', '!'];
// Looked up with Object.hasOwn: `constructor` must be a name, not Object.prototype's.
const WORD_OPERATORS: Record<string, string> = { and: '&&', or: '||', not: '!' };

export class Constraint {
  constructor(
    readonly text: string,
    readonly root: ConstraintNode,
  ) {}

  /** Whether a combination is admissible. */
  admits(params: Params): boolean {
    const v = evaluate(this.root, params, this.text);
    if (typeof v !== 'boolean') throw fail(this.text, `it gives the ${typeof v} ${JSON.stringify(v)}, not true or false`, -1, 'write a comparison, e.g. fast < slow');
    return v;
  }
}

function fail(text: string, problem: string, at: number, hint?: string): CiftError {
  return new CiftError('USAGE', `--constraint "${text}": ${problem}${at >= 0 ? ` (column ${at + 1})` : ''}`, hint);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9.]/.test(c)) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) throw fail(text, `"${c}" does not start a number`, at);
      tokens.push({ kind: 'literal', text: m[0], value: Number(m[0]), at });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw fail(text, `the string opened here has no closing ${c}`, at);
      tokens.push({ kind: 'literal', text: text.slice(i, end + 1), value: text.slice(i + 1, end), at });
      i = end + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      if (Object.hasOwn(WORD_OPERATORS, word)) tokens.push({ kind: 'op', text: WORD_OPERATORS[word], at });
      else if (word === 'true' || word === 'false') tokens.push({ kind: 'literal', text: word, value: word === 'true', at });
      else tokens.push({ kind: 'name', text: word, at });
      i += word.length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw fail(text, `unexpected "${c}"`, at, 'use numbers, parameter names, + - * / %, < <= > >= == !=, and/or/not and parentheses');
    tokens.push({ kind: 'op', text: op, at });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

class Parser {
  private k = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly names: readonly string[],
  ) {}

  parse(): ConstraintNode {
    if (this.peek().kind === 'end') throw fail(this.text, 'it is empty', -1, 'e.g. --constraint "fast < slow"');
    const node = this.or();
    const next = this.peek();
    if (next.kind !== 'end') throw fail(this.text, `unexpected "${next.text}"`, next.at, 'join conditions with and/or');
    return node;
  }

  private peek(): Token {
    return this.tokens[this.k];
  }

  private accept(...ops: string[]): Token | undefined {
    const t = this.tokens[this.k];
    if (t.kind === 'op' && ops.includes(t.text)) {
      this.k++;
      return t;
    }
    return undefined;
  }

  private or(): ConstraintNode {
    let left = this.and();
    for (let t = this.accept('||'); t; t = this.accept('||')) left = { kind: 'logic', op: 'or', left, right: this.and(), at: t.at };
    return left;
  }

  private and(): ConstraintNode {
    let left = this.not();
    for (let t = this.accept('&&'); t; t = this.accept('&&')) left = { kind: 'logic', op: 'and', left, right: this.not(), at: t.at };
    return left;
  }

  private not(): ConstraintNode {
    const t = this.accept('!');
    return t ? { kind: 'not', operand: this.not(), at: t.at } : this.compare();
  }

  private compare(): ConstraintNode {
    const first = this.sum();
    const ops: CompareOp[] = [];
    const ats: number[] = [];
    const operands = [first];
    for (let t = this.accept('<', '<=', '>', '>=', '==', '!='); t; t = this.accept('<', '<=', '>', '>=', '==', '!=')) {
      ops.push(t.text as CompareOp);
      ats.push(t.at);
      operands.push(this.sum());
    }
    return ops.length ? { kind: 'compare', ops, operands, ats } : first;
  }

  private sum(): ConstraintNode {
    let left = this.product();
    for (let t = this.accept('+', '-'); t; t = this.accept('+', '-')) left = { kind: 'arith', op: t.text as ArithOp, left, right: this.product(), at: t.at };
    return left;
  }

  private product(): ConstraintNode {
    let left = this.unary();
    for (let t = this.accept('*', '/', '%'); t; t = this.accept('*', '/', '%')) left = { kind: 'arith', op: t.text as ArithOp, left, right: this.unary(), at: t.at };
    return left;
  }

  private unary(): ConstraintNode {
    const t = this.accept('-');
    return t ? { kind: 'negate', operand: this.unary(), at: t.at } : this.atom();
  }

  private atom(): ConstraintNode {
    const t = this.tokens[this.k];
    if (t.kind === 'literal') {
      this.k++;
      return { kind: 'literal', value: t.value!, at: t.at };
    }
    if (t.kind === 'name') {
      this.k++;
      if (!this.names.includes(t.text)) {
        const guess = didYouMean(t.text, this.names);
        throw fail(this.text, `unknown parameter "${t.text}"`, t.at, guess ? `did you mean ${guess}?` : `parameters: ${this.names.join(', ')}`);
      }
      return { kind: 'name', name: t.text, at: t.at };
    }
    if (this.accept('(')) {
      const inner = this.or();
      if (!this.accept(')')) throw fail(this.text, `expected ")" but found ${this.shown(this.peek())}`, this.peek().at);
      return inner;
    }
    throw fail(this.text, `expected a value but found ${this.shown(t)}`, t.at);
  }

  private shown(t: Token): string {
    return t.kind === 'end' ? 'the end' : `"${t.text}"`;
  }
}

/** Parses a constraint over the given parameter names; an unknown name or a syntax error is a usage error. */
export function parseConstraint(text: string, names: readonly string[]): Constraint {
  return new Constraint(text, new Parser(text, tokenize(text), names).parse());
}

function numbers(text: string, op: string, a: Value, b: Value, at: number): [number, number] {
  if (typeof a !== 'number' || typeof b !== 'number') throw fail(text, `${op} needs numbers, got ${typeof a} and ${typeof b}`, at);
  return [a, b];
}

function compareOnce(text: string, op: CompareOp, a: Value, b: Value, at: number): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  const ordered = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!ordered) throw fail(text, `${op} needs two numbers or two strings, got ${typeof a} and ${typeof b}`, at);
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

function boolean(text: string, what: string, v: Value, at: number): boolean {
  if (typeof v !== 'boolean') throw fail(text, `${what} needs true or false, got the ${typeof v} ${JSON.stringify(v)}`, at);
  return v;
}

function evaluate(node: ConstraintNode, params: Params, text: string): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name':
      return params[node.name];
    case 'negate': {
      const v = evaluate(node.operand, params, text);
      if (typeof v !== 'number') throw fail(text, `unary - needs a number, got ${typeof v}`, node.at);
      return -v;
    }
    case 'not':
      return !boolean(text, 'not', evaluate(node.operand, params, text), node.at);
    case 'logic': {
      const left = boolean(text, node.op, evaluate(node.left, params, text), node.at);
      if (node.op === 'and' ? !left : left) return left;
      return boolean(text, node.op, evaluate(node.right, params, text), node.at);
    }
    case 'arith': {
      const [a, b] = numbers(text, node.op, evaluate(node.left, params, text), evaluate(node.right, params, text), node.at);
      if ((node.op === '/' || node.op === '%') && b === 0) throw fail(text, 'division by zero', node.at);
      if (node.op === '+') return a + b;
      if (node.op === '-') return a - b;
      if (node.op === '*') return a * b;
      if (node.op === '/') return a / b;
      return a - b * Math.floor(a / b);
    }
    case 'compare': {
      let left = evaluate(node.operands[0], params, text);
      for (let k = 0; k < node.ops.length; k++) {
        const right = evaluate(node.operands[k + 1], params, text);
        if (!compareOnce(text, node.ops[k], left, right, node.ats[k])) return false;
        left = right;
      }
      return true;
    }
  }
}
