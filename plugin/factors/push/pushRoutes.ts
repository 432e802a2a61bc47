import { z } from 'zod';
import type { FactorContext } from '../../spi/factor.ts';
import type { FactorRoute, FactorRouteRequest, FactorRouteResponse } from '../../spi/factorPresentation.ts';
import { answerPush } from './deviceAnswer.ts';
import { authenticateRead } from './deviceAuth.ts';
import { deviceEvents, pendingPushes } from './deviceFeed.ts';
import { issueReadNonce, publicKeyJwkSchema, READ_NONCE_PURPOSE, signatureSchema } from './deviceSignature.ts';
import { DEVICE_PAGE_PATH, pairDevice } from './pairing.ts';
import { groupPairingCode } from './pairingCode.ts';
import { pushEnabled } from './pushSettings.ts';
import { approvalEvents, approvalState } from './waitingLogin.ts';

const deviceHandle = z.string().min(3).max(420);
const nonce = z.string().min(3).max(200);
const readQuery = z.object({ device: deviceHandle, nonce, signature: signatureSchema });
const pairBody = z.object({
  pair: z.string().min(10).max(600),
  name: z.string().trim().min(1, 'Give this phone a name.').max(100, 'A phone’s name has at most 100 characters.'),
  key: publicKeyJwkSchema,
  signature: signatureSchema,
});
const answerBody = z.object({
  device: deviceHandle,
  attemptId: z.string().min(1).max(100),
  pushId: z.string().min(1).max(100),
  decision: z.enum(['approve', 'deny']),
  number: z.string().regex(/^([0-9]{2})?$/, 'The number is two digits (empty for Deny).'),
  signature: signatureSchema,
});

function invalid(error: z.ZodError): FactorRouteResponse {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
  return { status: 400, json: { error: 'invalid_request', message: `${issue?.message ?? 'The request is not valid.'}${where}` } };
}

const NOT_AVAILABLE: FactorRouteResponse = { status: 404, json: { error: 'not_available', message: 'Approving logins on a phone is not switched on for this site.' } };

type Handler = (request: FactorRouteRequest, context: FactorContext) => Promise<FactorRouteResponse>;

/** Each handler answers 404 while the factor is off: a disabled factor serves nothing, whatever the door does. */
function route(method: FactorRoute['method'], path: string, access: FactorRoute['access'], handle: Handler): FactorRoute {
  return { method, path, access, handle: async (request) => (pushEnabled(request.context.settings) ? handle(request, request.context) : NOT_AVAILABLE) };
}

/** The factor's own routes: the phone's page and its signed requests, and what the waiting pages ask. */
export const pushRoutes: readonly FactorRoute[] = [
  route('GET', DEVICE_PAGE_PATH, 'public', async (_request, context) => ({
    page: {
      title: 'Approve on my phone',
      blocks: [
        { kind: 'text', text: `Logins to ${context.host.siteName()} that wait for your approval appear on this page. Keep it open, or add it to your home screen.` },
        { kind: 'text', text: 'Only ever approve a login you just started yourself, and pick the number the login page shows.' },
      ],
      script: 'device.js',
      manifest: 'device.webmanifest',
    },
  })),
  route('GET', `${DEVICE_PAGE_PATH}/nonce`, 'public', async (_request, context) => ({ json: { nonce: issueReadNonce(context.keyedHash(READ_NONCE_PURPOSE), context.now()) } })),
  route('POST', `${DEVICE_PAGE_PATH}/pair`, 'public', async (request, context) => {
    const body = pairBody.safeParse(request.body);
    if (!body.success) return invalid(body.error);
    const result = await pairDevice(context, body.data, { ip: request.ip, userAgent: request.userAgent });
    if (!result.paired) return { status: result.status, json: { error: 'pairing_refused', message: result.message } };
    const message = `Almost done: on your computer, type this code: ${groupPairingCode(result.code)}. Only then is this phone paired.`;
    return { json: { device: result.device, name: result.label, code: result.code, message } };
  }),
  route('GET', `${DEVICE_PAGE_PATH}/pending`, 'public', async (request, context) => {
    const query = readQuery.safeParse(request.query);
    if (!query.success) return invalid(query.error);
    const device = await authenticateRead(context, query.data);
    if ('status' in device) return { status: device.status, json: { error: device.error, message: device.message } };
    return { json: { pushes: await pendingPushes(context, device) } };
  }),
  route('GET', `${DEVICE_PAGE_PATH}/events`, 'public', async (request, context) => {
    const query = readQuery.safeParse(request.query);
    if (!query.success) return invalid(query.error);
    const device = await authenticateRead(context, query.data);
    if ('status' in device) return { status: device.status, json: { error: device.error, message: device.message } };
    return { events: deviceEvents(context, device) };
  }),
  route('POST', `${DEVICE_PAGE_PATH}/answer`, 'public', async (request, context) => {
    const body = answerBody.safeParse(request.body);
    if (!body.success) return invalid(body.error);
    const result = await answerPush(context, body.data, { ip: request.ip });
    if (result.outcome !== 'refused') return { json: result };
    const { status, error, message, triesLeft } = result;
    return { status, json: { error, message, ...(triesLeft === undefined ? {} : { triesLeft }) } };
  }),
  route('GET', '/push/wait', 'pending', async (request, context) => {
    if (!request.attemptId) return { status: 409, json: { error: 'no_login', message: 'No login is waiting here. Log in again.' } };
    return { json: await approvalState(context, request.attemptId) };
  }),
  route('GET', '/push/wait/events', 'pending', async (request, context) => {
    if (!request.attemptId) return { status: 409, json: { error: 'no_login', message: 'No login is waiting here. Log in again.' } };
    return { events: approvalEvents(context, request.attemptId) };
  }),
];
