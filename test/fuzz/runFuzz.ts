import { Agent, request } from 'node:http';
import { type FuzzCase, type FuzzCredentials, generateCase, seededRandom } from './fuzzRequests.ts';
import { fuzzRoutes } from './fuzzTargets.ts';

export interface FuzzOptions {
  origin: string;
  adminPassword: string;
  /** How many requests to send. */
  count: number;
  /** Stop sending after this long, whatever the count. */
  seconds: number;
  seed: number;
  concurrency?: number;
}

export interface FuzzFailure {
  fuzzCase: Omit<FuzzCase, 'body'> & { bodyStart?: string };
  status: number | string;
}

export interface FuzzSummary {
  sent: number;
  seconds: number;
  byStatus: Record<string, number>;
  /** Answers ≥ 500, or no answer at all. */
  failures: FuzzFailure[];
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function send(origin: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(origin);
    // Characters outside printable ASCII go percent-encoded, as a browser sends them (Node refuses them raw).
    const onWire = path.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
    const req = request({ host: url.hostname, port: url.port, method, path: onWire, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (chunks.length < 64) chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const cookieOf = (answer: Answer, name = 'lms_session') => ([] as string[]).concat(answer.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`))?.split(';')[0];
const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** Logs in as the admin in each door, so malformed input also reaches handlers behind the login. */
async function credentialsFor(origin: string, password: string): Promise<FuzzCredentials> {
  const form = await send(origin, 'GET', '/login', {});
  // An anonymous visitor's CSRF token lives in a signed cookie of its own, not in a session.
  const loginCookie = cookieOf(form, 'lms_csrf') ?? '';
  const login = await send(origin, 'POST', '/login', { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from(new URLSearchParams({ _csrf: csrfOf(form.text), username: 'admin', password }).toString()));
  const cookie = cookieOf(login) ?? '';
  const security = await send(origin, 'GET', '/user/security', { cookie });
  if (security.status !== 200) throw new Error(`the fuzzer could not log in (security page answered ${security.status})`);
  const api = await send(origin, 'POST', '/api/v1/session', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ username: 'admin', password })));
  const token = await send(origin, 'POST', '/login/token.php', { 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from(new URLSearchParams({ username: 'admin', password, service: 'moodle_mobile_app' }).toString()));
  return { cookie, csrf: csrfOf(security.text), apiSession: String(JSON.parse(api.text).session ?? ''), wstoken: String(JSON.parse(token.text).token ?? '') };
}

/** Calls that end the fuzzer's own credentials would only make the rest of the run anonymous. */
const keepsCredentials = (fuzzCase: FuzzCase) => !/^\/(logout|api\/v1\/session)\b/.test(fuzzCase.path) || !fuzzCase.headers.cookie;

/**
 * Sends `count` generated malformed requests over every route (openapi.yaml's operations,
 * the site's forms and pages, Moodle's scripts), `concurrency` at a time, and sorts every
 * answer ≥ 500 into a failure. Requests go to loopback only.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const { origin, count, seed } = options;
  if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin)) throw new Error(`the fuzzer only talks to loopback, not ${origin}`);
  const credentials = await credentialsFor(origin, options.adminPassword);
  const routes = fuzzRoutes();
  const random = seededRandom(seed);
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  const summary: FuzzSummary = { sent: 0, seconds: 0, byStatus: {}, failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      next++;
      const route = routes[Math.floor(random() * routes.length)];
      if (!route) continue;
      const fuzzCase = generateCase(route, random, credentials);
      if (!keepsCredentials(fuzzCase)) delete fuzzCase.headers.cookie;
      let status: number | string;
      try {
        status = (await send(origin, fuzzCase.method, fuzzCase.path, fuzzCase.headers, fuzzCase.body)).status;
      } catch (error) {
        // The client refusing to send (an invalid header) is no answer from the site: skip it.
        if ((error as { code?: string }).code === 'ERR_INVALID_CHAR' || (error as { code?: string }).code === 'ERR_INVALID_HTTP_TOKEN') continue;
        status = `no answer: ${(error as Error).message}`;
      }
      summary.sent++;
      const key = typeof status === 'number' ? String(status) : 'no answer';
      summary.byStatus[key] = (summary.byStatus[key] ?? 0) + 1;
      if (typeof status === 'number' && status < 500) continue;
      const { body, ...rest } = fuzzCase;
      const failure = { fuzzCase: { ...rest, bodyStart: body?.subarray(0, 120).toString('latin1') }, status };
      summary.failures.push(failure);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  return summary;
}

/** One line for the log: how many, how long, answers by status, failures. */
export function summaryLine(summary: FuzzSummary): string {
  const statuses = Object.entries(summary.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  return `fuzz: ${summary.sent} requests in ${summary.seconds} s; answers ${statuses}; ${summary.failures.length} failures (5xx or no answer)`;
}
