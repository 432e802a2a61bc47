import { gzipSync } from 'node:zlib';
import type { FuzzRoute } from './fuzzTargets.ts';

/** A small seeded PRNG (mulberry32): the same seed makes the same requests, so a failure can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Credentials a fuzz run holds, so malformed input also reaches code behind the login (and not only the login page). */
export interface FuzzCredentials {
  /** `lms_session=...` of a fully logged-in admin. */
  cookie: string;
  csrf: string;
  /** Bearer API session. */
  apiSession: string;
  /** A Moodle web-service token. */
  wstoken: string;
}

export interface FuzzCase {
  /** What was malformed, for the summary: `kind` names the generator. */
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}


type Pick = <T>(items: readonly T[]) => T;

const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u202Eevil\u202C',
  '\u200B\u200D\uFEFF',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀👩‍👩‍👧',
  '\uD800',
  '\uDFFF\uD800',
  'Ǆǅǆ İı ß ﬃ',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' OR 1=1 -- ",
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  'javascript:alert(1)',
  '//evil.example/',
  '-1',
  '0',
  '1e309',
  'NaN',
  '99999999999999999999999999',
  'true',
  'null',
  '[object Object]',
  '__proto__',
  'constructor',
  '000000',
  '123456',
  'aaaa-bbbb-cccc-dddd',
];

/** Values of the wrong type for a JSON field. */
const WRONG_TYPES: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, [], ['a', 'b'], {}, { $gt: '' }, { __proto__: { admin: true } }, [[[[]]]], 'x'.repeat(5000)];

const ODD_METHODS = ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'SEARCH', 'PURGE', 'LINK', 'FOO'];

function fill(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

function formBody(values: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) for (const v of ([] as string[]).concat(value)) params.append(key, v);
  return params.toString();
}

function deepJson(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** One malformed request against `route`, chosen by `random`. */
export function generateCase(route: FuzzRoute, random: () => number, credentials: FuzzCredentials | null): FuzzCase {
  const pick: Pick = (items) => items[Math.floor(random() * items.length)] as (typeof items)[number];
  const weird = () => pick(WEIRD_STRINGS);
  const field = () => (route.fields.length > 0 ? pick(route.fields) : pick(['code', 'username', '_csrf', 'id']));
  const authenticated = credentials !== null && random() < 0.6;
  const headers: Record<string, string> = { 'user-agent': 'mfa-bridge-fuzz' };
  if (authenticated) {
    headers.cookie = credentials.cookie;
    if (route.path.startsWith('/api/')) headers.authorization = `Bearer ${credentials.apiSession}`;
  }
  const csrf = authenticated ? credentials.csrf : 'no-session';
  const validish = (): Record<string, string> => {
    const values: Record<string, string> = {};
    for (const name of route.fields) values[name] = name === '_csrf' ? csrf : name === 'wstoken' && credentials ? credentials.wstoken : weird();
    return values;
  };
  let path = fill(route.path, pick(['1', '999999', '0', '-1', 'abc', '%E2%82%AC', 'x'.repeat(300), 'site.css']));
  let method = route.method;
  let body: Buffer | undefined;
  const kind = pick([
    'wrong-types',
    'weird-strings',
    'huge-body',
    'nested-body',
    'bad-charset',
    'invalid-utf8',
    'bad-compression',
    'good-compression',
    'bad-cookie',
    'bad-csrf',
    'odd-method',
    'odd-path',
    'odd-query',
    'bad-auth',
    'content-type-mismatch',
  ] as const);
  const asJson = (value: unknown) => {
    headers['content-type'] = 'application/json';
    body = Buffer.from(JSON.stringify(value));
  };
  const asForm = (value: Record<string, string | string[]>) => {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = Buffer.from(formBody(value));
  };
  const asRouteBody = (values: Record<string, string>) => (route.body === 'json' ? asJson(values) : asForm(values));
  if (method === 'GET' && kind !== 'odd-method') method = random() < 0.5 ? 'GET' : 'POST';

  switch (kind) {
    case 'wrong-types': {
      const values: Record<string, unknown> = validish();
      for (const name of route.fields) if (random() < 0.7) values[name] = pick(WRONG_TYPES);
      if (route.body === 'form') asForm(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)])));
      else asJson(random() < 0.2 ? pick(WRONG_TYPES) : values);
      break;
    }
    case 'weird-strings':
      asRouteBody(validish());
      break;
    case 'huge-body': {
      const size = pick([25_000, 120_000, 600_000]);
      if (random() < 0.5) asRouteBody({ ...validish(), [field()]: 'A'.repeat(size) });
      else asForm(Object.fromEntries(Array.from({ length: pick([150, 1500]) }, (_, i) => [`f${i}`, 'v'])));
      break;
    }
    case 'nested-body':
      headers['content-type'] = 'application/json';
      body = Buffer.from(random() < 0.5 ? deepJson(pick([64, 5_000, 50_000])) : `{"${field()}":${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}}`);
      break;
    case 'bad-charset':
      asRouteBody(validish());
      headers['content-type'] = `${headers['content-type']}; charset=${pick(['utf-16', 'ibm037', 'x-unknown', 'utf-7', '"', 'utf-8; charset=latin1'])}`;
      break;
    case 'invalid-utf8':
      headers['content-type'] = route.body === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
      body = Buffer.concat([Buffer.from(route.body === 'json' ? `{"${field()}":"` : `${field()}=`), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xf0, 0x28, 0x8c]), Buffer.from(route.body === 'json' ? '"}' : '')]);
      break;
    case 'bad-compression':
      asRouteBody(validish());
      headers['content-encoding'] = pick(['gzip', 'br', 'deflate', 'zstd', 'gzip, gzip', 'x-made-up']);
      // Not compressed at all, or a gzip stream cut short.
      if (random() < 0.5 && body) body = gzipSync(body).subarray(0, 12);
      break;
    case 'good-compression':
      asRouteBody(validish());
      headers['content-encoding'] = 'gzip';
      if (body) body = gzipSync(body);
      break;
    case 'bad-cookie':
      headers.cookie = pick([
        'lms_session=garbage',
        'lms_session=s%3Aforged.signature',
        `lms_session=${'x'.repeat(4000)}`,
        'lms_session=%',
        'lms_session=%E0%A4%A',
        'lms_session=a; lms_session=b',
        `mfa_trusted_device=${'z'.repeat(200)}; lms_session=s%3A`,
        Array.from({ length: 200 }, (_, i) => `c${i}=${i}`).join('; '),
        '=; ;;; =x',
      ]);
      asRouteBody(validish());
      break;
    case 'bad-csrf':
      asRouteBody({ ...validish(), _csrf: pick(['', 'wrong', csrf.slice(0, -1), `${csrf}x`, 'x'.repeat(10_000)]) });
      if (random() < 0.3 && body) asForm({ ...validish(), _csrf: [csrf, 'second'] });
      break;
    case 'odd-method':
      method = pick(ODD_METHODS);
      if (method !== 'HEAD' && random() < 0.5) asRouteBody(validish());
      break;
    case 'odd-path': {
      const segment = pick(['%', '%zz', '%00', '..', '%2e%2e', '%2F', '%E0%A4%A', '\u00e9'.normalize('NFD'), 'x'.repeat(2000), '.', '~', ';x=1']);
      path = pick([`${path}/${segment}`, `${path}${segment}`, path.replace(/\/[^/]*$/, `/${segment}`), `/assets/${segment}`, `/assets/../${segment}`, `/${segment}${path}`, `${path}//`]);
      break;
    }
    case 'odd-query': {
      const values = validish();
      const query = pick([
        formBody(values),
        `${field()}=%`,
        `${field()}[]=1&${field()}[x]=2`,
        Array.from({ length: 1200 }, (_, i) => `q${i}=1`).join('&'),
        `returnTo=${encodeURIComponent(weird().replace(/[\uD800-\uDFFF]/g, "\uFFFD"))}`,
        `${field()}=${'y'.repeat(8000)}`,
      ]);
      path = `${path}?${query}`;
      break;
    }
    case 'bad-auth':
      headers.authorization = pick([
        'Bearer ',
        'Bearer x',
        `Bearer ${'t'.repeat(5000)}`,
        'Basic YWRtaW46YWRtaW4=',
        'Bearer mfa_session_00000000000000000000000000',
        credentials ? `Bearer ${credentials.wstoken}` : 'Bearer y',
        'Negotiate abc',
      ]);
      asRouteBody(validish());
      break;
    case 'content-type-mismatch':
      headers['content-type'] = pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml', '*/*', 'application/json; charset=utf-8']);
      body = Buffer.from(pick(['{"a":', 'a=b&c', '<x/>', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--', '\u0000\u0001\u0002', '[1,2,3]']));
      break;
  }
  if (method === 'GET' || method === 'HEAD') body = undefined;
  if (body === undefined) {
    delete headers['content-type'];
    delete headers['content-encoding'];
  }
  return { kind, method, path, headers, body };
}
