// ${params.x}, ${ENV} and ${ENV:-default} in strings; $${ is a literal ${.
import { unreachable } from '../util/unreachable.js';

/** `text` is the reference as written, `at` its index in the expanded string's source, so a diagnostic can point at it. */
export type ExpandError =
  | { kind: 'unknown-param'; name: string; known: string[]; text: string; at: number }
  | { kind: 'undefined-env'; name: string; text: string; at: number }
  | { kind: 'structured-param'; name: string; text: string; at: number };

export interface ExpandScope {
  params: Record<string, unknown>;
  env: Readonly<Record<string, string | undefined>>;
}

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;

export function expand(text: string, scope: ExpandScope): { value: string; errors: ExpandError[] } {
  const errors: ExpandError[] = [];
  const value = text.replace(REFERENCE, (whole: string, dollar: string, body: string, at: number) => {
    if (dollar === '$') return whole.slice(1);
    const [name = '', fallback] = splitDefault(body.trim());
    if (name.startsWith('params.')) {
      const param = name.slice('params.'.length);
      if (Object.hasOwn(scope.params, param)) {
        const found = scope.params[param];
        // Pasting a list or mapping into text would make e.g. a bracket glob that silently matches nothing.
        if (found !== null && typeof found === 'object') {
          errors.push({ kind: 'structured-param', name: param, text: whole, at });
          return whole;
        }
        return stringify(found);
      }
      if (fallback !== undefined) return fallback;
      errors.push({ kind: 'unknown-param', name: param, known: Object.keys(scope.params), text: whole, at });
      return whole;
    }
    const fromEnv = scope.env[name];
    if (fromEnv !== undefined && (fromEnv !== '' || fallback === undefined)) return fromEnv;
    if (fallback !== undefined) return fallback;
    errors.push({ kind: 'undefined-env', name, text: whole, at });
    return whole;
  });
  return { value, errors };
}

export function describeExpandError(error: ExpandError): string {
  switch (error.kind) {
    case 'unknown-param':
      return `uses \${params.${error.name}}, but the pipeline has no param "${error.name}" (params: ${error.known.join(', ') || 'none'})`;
    case 'undefined-env':
      return `uses \${${error.name}}, but ${error.name} is not set in the environment (write \${${error.name}:-default} to give a default)`;
    case 'structured-param':
      return `uses \${params.${error.name}} inside text, but "${error.name}" is a list or mapping; a list param can stand alone as a whole entry of inputs, outputs or foreach.files, one pattern per item`;
    default:
      return unreachable(error);
  }
}

function splitDefault(body: string): [string, string | undefined] {
  const at = body.indexOf(':-');
  return at === -1 ? [body, undefined] : [body.slice(0, at), body.slice(at + 2)];
}

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
