// zod's issues as messages a person can act on: which field, and why, in English and Chinese. zod's own
// messages are "Invalid input"; these name the field's bound, the values it takes or the field that is
// not one. A check of our own (fields.ts `rule`, the text rules) carries its Chinese in `params.zh`.
import type { core } from 'zod/mini';

export interface FieldProblem {
  /** Where in the body, as a dotted path (`items.3.stem.zh`); `(body)` for the body itself. */
  field: string;
  message: string;
  messageZh: string;
}

const TYPE_ZH: Record<string, string> = {
  string: '文本',
  number: '数字',
  int: '整数',
  boolean: '布尔值（true 或 false）',
  object: '对象',
  array: '数组',
  record: '对象',
};
const TYPE_EN: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
};

const show = (v: unknown) => JSON.stringify(v);

function sized(issue: core.$ZodIssueTooBig | core.$ZodIssueTooSmall, big: boolean): [string, string] {
  const bound = Number(
    big ? (issue as core.$ZodIssueTooBig).maximum : (issue as core.$ZodIssueTooSmall).minimum,
  );
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'string':
      return big
        ? [`must be at most ${bound} characters long`, `最多 ${bound} 个字符`]
        : bound <= 1
          ? ['must not be empty', '不能为空']
          : [`must be at least ${bound} characters long`, `至少 ${bound} 个字符`];
    case 'array':
    case 'set':
      return big
        ? [`must have at most ${bound} entries`, `最多 ${bound} 项`]
        : [`must have at least ${bound} ${bound === 1 ? 'entry' : 'entries'}`, `至少 ${bound} 项`];
    default:
      if (big)
        return inclusive
          ? [`must be at most ${bound}`, `不能大于 ${bound}`]
          : [`must be less than ${bound}`, `须小于 ${bound}`];
      return inclusive
        ? [`must be at least ${bound}`, `不能小于 ${bound}`]
        : [`must be more than ${bound}`, `须大于 ${bound}`];
  }
}

function join(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(body)' : path.map(String).join('.');
}

/** Every problem zod found, each with its field and its reason in both languages. */
export function fieldProblems(
  issues: readonly core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const add = (en: string, zh: string, at = path) =>
      out.push({ field: join(at), message: en, messageZh: zh });
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys)
          add('is not a field of this request; remove it', '不是本请求的字段，请删除', [...path, key]);
        break;
      case 'invalid_type':
        // Without reportInput (a plain .parse) a wrong value cannot be told from a missing one.
        if ('input' in issue && issue.input === undefined) add('is required', '为必填项');
        else
          add(
            `must be ${TYPE_EN[issue.expected] ?? issue.expected}`,
            `须为${TYPE_ZH[issue.expected] ?? issue.expected}`,
          );
        break;
      case 'too_big':
      case 'too_small': {
        const [en, zh] = sized(issue, issue.code === 'too_big');
        add(en, zh);
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map(show).join(', ');
        add(`must be one of ${values}`, `须为以下之一：${values}`);
        break;
      }
      case 'invalid_union': {
        // A choice of literals reads as "one of"; a choice of shapes reports the closest branch's problems.
        const branches = issue.errors;
        const options = (issue as { options?: unknown[] }).options;
        if (branches.length === 0 && options) {
          const values = options.map(show).join(', ');
          add(`must be one of ${values}`, `须为以下之一：${values}`);
          break;
        }
        const literals = branches.every(
          (b) => b.length === 1 && b[0]?.code === 'invalid_value' && b[0].path.length === 0,
        );
        if (literals) {
          const values = branches
            .flatMap((b) => (b[0] as core.$ZodIssueInvalidValue).values)
            .map(show)
            .join(', ');
          add(`must be one of ${values}`, `须为以下之一：${values}`);
        } else {
          const closest = [...branches].sort((a, b) => a.length - b.length)[0] ?? [];
          if (closest.length === 0) add('does not match any accepted form', '不符合任何可接受的格式');
          else out.push(...fieldProblems(closest, path));
        }
        break;
      }
      case 'invalid_key':
        add(
          `has a key that ${fieldProblems(issue.issues)[0]?.message ?? 'is not accepted'}`,
          `的键${fieldProblems(issue.issues)[0]?.messageZh ?? '不可接受'}`,
        );
        break;
      case 'invalid_element':
        out.push(...fieldProblems(issue.issues, path));
        break;
      case 'invalid_format':
        add(`is not in the expected format (${issue.format})`, `格式不正确（${issue.format}）`);
        break;
      case 'not_multiple_of':
        add(`must be a multiple of ${issue.divisor}`, `须为 ${issue.divisor} 的倍数`);
        break;
      default: {
        const zh = (issue as { params?: { zh?: string } }).params?.zh;
        add(issue.message, zh ?? issue.message);
      }
    }
  }
  return out;
}
