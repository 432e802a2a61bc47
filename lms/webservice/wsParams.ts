import { z } from 'zod';
import { invalidParameter } from './restErrors.ts';

/** A request parameter after PHP's parsing: text, or a nested array/map from `name[key]` fields. */
export type WsValue = string | WsMap;
export interface WsMap {
  [key: string]: WsValue;
}

/**
 * PHP's reading of `name[a][0]=v` fields into nested arrays, which is how Moodle receives
 * array parameters (`courseids[0]=1`, `options[0][name]=excludemodules`). The app writes
 * them that way (src/core/services/ws.ts serializes nested data PHP-style); the site's
 * urlencoded parser is not `extended`, so the fields arrive flat and are nested here.
 * As in PHP, a later field overwrites an earlier one of the same name, and `name[]` appends.
 * Maps have no prototype, so a field called `__proto__` is only a key.
 */
export function nestPhpStyle(fields: Iterable<[string, unknown]>): WsMap {
  const root: WsMap = Object.create(null);
  for (const [key, raw] of fields) {
    // Node's querystring gives an array for a repeated field: PHP keeps the last one.
    const value = Array.isArray(raw) ? raw.at(-1) : raw;
    if (typeof value !== 'string') continue;
    const path = phpKeyPath(key);
    if (!path) continue;
    let node = root;
    for (let i = 0; i < path.length - 1; i++) {
      const segment = path[i] === '' ? String(Object.keys(node).length) : (path[i] as string);
      const next = node[segment];
      node = typeof next === 'object' ? next : (node[segment] = Object.create(null) as WsMap);
    }
    const last = path.at(-1) as string;
    node[last === '' ? String(Object.keys(node).length) : last] = value;
  }
  return root;
}

/** `a[b][0]` → ['a', 'b', '0']; null for a key PHP would not turn into a variable. */
function phpKeyPath(key: string): string[] | null {
  const open = key.indexOf('[');
  if (open <= 0) return key === '' ? null : [key];
  const path = [key.slice(0, open)];
  const rest = key.slice(open);
  const segments = /^(\[[^\][]*\])+$/.test(rest) ? rest.slice(1, -1).split('][') : null;
  return segments ? [...path, ...segments] : [key];
}

/** The fields a request carries: query string and form body merged, the body winning (array_merge($_GET, $_POST)). */
export function requestFields(query: unknown, body: unknown): WsMap {
  const entries = (source: unknown) => (source && typeof source === 'object' ? Object.entries(source) : []);
  return nestPhpStyle([...entries(query), ...entries(body)]);
}

// Parameter types as lib/external/classes/external_api.php validate_parameters checks them.

/** PARAM_INT: the text of a whole number, nothing around it ("01" and "1.0" are refused as in validate_param). */
export const wsInt = z
  .string()
  .regex(/^-?(0|[1-9]\d{0,14})$/, 'expected a whole number')
  .transform(Number);
/** PARAM_BOOL: '0' or '1' only; validate_parameters refuses "true" (the app sends booleans as 1/0: CoreWS.convertValuesToString). */
export const wsBool = z.enum(['0', '1'], 'expected 0 or 1').transform((v) => v === '1');
/** PARAM_RAW / PARAM_TEXT. */
export const wsText = z.string();
/** PARAM_ALPHA, PARAM_ALPHANUM, PARAM_ALPHANUMEXT. */
export const wsAlpha = z.string().regex(/^[a-zA-Z]*$/, 'expected letters only');
export const wsAlphanum = z.string().regex(/^[a-zA-Z0-9]*$/, 'expected letters and digits only');
export const wsAlphanumext = z.string().regex(/^[a-zA-Z0-9_-]*$/, 'expected letters, digits, _ and - only');

/** external_multiple_structure: any keys, the values in order. A single value where a list belongs is refused ("Only arrays accepted"). */
export function wsList<T extends z.ZodType>(item: T) {
  return z.record(z.string(), item, 'expected a list (name[0]=...)').transform((map) => Object.values(map) as z.output<T>[]);
}

/** external_function_parameters / external_single_structure: unexpected keys are refused, as Moodle does. */
export function wsStruct<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, 'expected a structure (name[key]=...)');
}

function valueAt(fields: WsMap, path: readonly PropertyKey[]): WsValue | undefined {
  let node: WsValue | undefined = fields;
  for (const key of path) node = typeof node === 'object' ? node[String(key)] : undefined;
  return node;
}

/** Moodle's invalidparameter error for a failed check, the fields at fault in debuginfo. */
export function parametersOrThrow<S extends z.ZodType>(schema: S, fields: WsMap): z.output<S> {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues
    .map((issue) => {
      const where = issue.path.map(String).join('.') || 'parameters';
      if (issue.code === 'unrecognized_keys') return `${where}: unexpected keys (${issue.keys.join(', ')}) detected in parameter array`;
      if (issue.code === 'invalid_type' && valueAt(fields, issue.path) === undefined) return `${where}: missing required key`;
      return `${where}: ${issue.message}`;
    })
    .join('; ');
  throw invalidParameter(detail);
}
