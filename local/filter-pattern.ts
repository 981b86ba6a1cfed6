// CloudWatch Logs filter patterns for JSON log events, as metric filters use them:
//   { $.level = "ERROR" }   { ($.routeKey = "POST /x") && ($.status = "5*") }   { $.latency > 1000 || $.a != b }
// Selectors `$.a.b` and `$.a[0]`; `=` and `!=` compare strings (`*` is a wildcard) or numbers; `<`, `<=`,
// `>`, `>=` compare numbers; `&&`, `||` and parentheses combine. A selector that names nothing does not
// match. Only the JSON form is supported: the local cloud refuses any other pattern by name rather than
// counting something different from CloudWatch.

export class FilterPatternError extends Error {
  override name = 'FilterPatternError';
}

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; path: (string | number)[]; op: string; value: string | number; quoted: boolean };

export interface FilterPattern {
  source: string;
  matches(line: string): boolean;
}

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  const re =
    /\s*(\|\||&&|!=|<=|>=|=|<|>|\(|\)|"(?:[^"\\]|\\.)*"|\$(?:\.[A-Za-z0-9_@:-]+|\[\d+\])*|[^\s()=!<>&|"]+)/y;
  let index = 0;
  while (index < source.length) {
    if (/^\s*$/.test(source.slice(index))) break;
    re.lastIndex = index;
    const m = re.exec(source);
    if (!m?.[1]) throw new FilterPatternError(`cannot read the pattern at "${source.slice(index)}"`);
    tokens.push(m[1]);
    index = re.lastIndex;
  }
  return tokens;
}

function parse(source: string): Node {
  const trimmed = source.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) {
    throw new FilterPatternError(`only JSON filter patterns ({ … }) are supported locally: ${source}`);
  }
  const tokens = tokenize(trimmed.slice(1, -1));
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const t = tokens[i++];
    if (t === undefined) throw new FilterPatternError(`unexpected end of pattern: ${source}`);
    return t;
  };
  const or = (): Node => {
    let left = and();
    while (peek() === '||') {
      next();
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): Node => {
    let left = unary();
    while (peek() === '&&') {
      next();
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): Node => {
    if (peek() === '(') {
      next();
      const inner = or();
      if (next() !== ')') throw new FilterPatternError(`missing ) in ${source}`);
      return inner;
    }
    const selector = next();
    if (!selector.startsWith('$')) throw new FilterPatternError(`expected a $ selector, got ${selector}`);
    const path = [...selector.slice(1).matchAll(/\.([^.[]+)|\[(\d+)\]/g)].map((m) =>
      m[1] !== undefined ? m[1] : Number(m[2]),
    );
    const op = next();
    if (!['=', '!=', '<', '<=', '>', '>='].includes(op))
      throw new FilterPatternError(`unknown operator ${op}`);
    const raw = next();
    const quoted = raw.startsWith('"');
    const text = quoted ? (JSON.parse(raw) as string) : raw;
    const numeric = !quoted && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text);
    if (['<', '<=', '>', '>='].includes(op) && !numeric) {
      throw new FilterPatternError(`${op} compares numbers only: ${raw}`);
    }
    return { kind: 'compare', path, op, value: numeric ? Number(text) : text, quoted };
  };
  const tree = or();
  if (i !== tokens.length) throw new FilterPatternError(`unexpected "${tokens[i]}" in ${source}`);
  return tree;
}

function select(event: unknown, path: (string | number)[]): unknown {
  let value = event;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function wildcard(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

function evaluate(node: Node, event: unknown): boolean {
  if (node.kind !== 'compare') {
    return node.kind === 'and'
      ? evaluate(node.left, event) && evaluate(node.right, event)
      : evaluate(node.left, event) || evaluate(node.right, event);
  }
  const actual = select(event, node.path);
  if (actual === undefined || (typeof actual === 'object' && actual !== null)) return false;
  if (typeof node.value === 'number') {
    const n = typeof actual === 'number' ? actual : Number.NaN;
    switch (node.op) {
      case '=':
        return n === node.value;
      case '!=':
        return n !== node.value;
      case '<':
        return n < node.value;
      case '<=':
        return n <= node.value;
      case '>':
        return n > node.value;
      default:
        return n >= node.value;
    }
  }
  const equal = wildcard(node.value).test(String(actual));
  return node.op === '=' ? equal : !equal;
}

/** Compiles a JSON filter pattern; throws FilterPatternError for anything it cannot read faithfully. */
export function compileFilterPattern(source: string): FilterPattern {
  const tree = parse(source);
  return {
    source,
    matches(line: string) {
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch {
        return false; // JSON patterns match JSON events only
      }
      return evaluate(tree, event);
    },
  };
}
