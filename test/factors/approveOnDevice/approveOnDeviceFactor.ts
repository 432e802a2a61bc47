import { randomInt, randomUUID } from 'node:crypto';
import { MfaError } from '../../../plugin/errors.ts';
import type { AttemptView, FactorContext, FactorDevice, FactorProvider, FactorProviderFactory, FactorState, VerifyOutcome } from '../../../plugin/spi/factor.ts';
import type { FactorRoute } from '../../../plugin/spi/factorPresentation.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';

/**
 * A test factor approved on another device, built on the SPI alone (no core file knows
 * it): what the web door's generic machinery must carry for push. Its "device" is the
 * test itself, answering through the factor's own public JSON routes; its state lives in
 * memory (one process), which is all a test needs.
 */
export interface ApproveOnDeviceSetup {
  setupId: string;
  pairingCode: string;
  paired: boolean;
}

interface Request {
  attemptId: string;
  userId: string;
  number: string;
  answer: 'waiting' | 'approved' | 'denied' | 'spent';
}

export interface ApproveOnDevice {
  factory: FactorProviderFactory<ApproveOnDeviceSetup, Record<string, unknown>>;
  /** The number the login page shows for the user's open request, as the device would show it. */
  openRequest(userId: string): { id: string; number: string } | undefined;
}

/** `id`: the factor's id. Until factors declare their own settings, a test reuses the settings of an id the manifest lists. */
export function approveOnDevice(id: string): ApproveOnDevice {
  const pending = new Map<string, { userId: string; code: string; paired: boolean; createdAt: number }>();
  const devices = new Map<string, FactorDevice>();
  const requests = new Map<string, Request>();
  let nextDevice = 1;
  const base = `/test-${id.replaceAll('_', '-')}`;

  class Provider implements FactorProvider {
    constructor(private readonly context: FactorContext) {}
    async configuredFor(user: HostUser) {
      return devices.has(user.id);
    }
    async state(attempt: AttemptView): Promise<FactorState> {
      const request = [...requests.values()].find((r) => r.attemptId === attempt.id);
      return request?.answer === 'approved' ? 'pass' : request?.answer === 'denied' ? 'fail' : 'unknown';
    }
    async challenge(attempt: AttemptView, user: HostUser) {
      for (const [key, open] of requests) if (open.attemptId === attempt.id) requests.delete(key);
      const number = String(randomInt(10, 100));
      requests.set(randomUUID(), { attemptId: attempt.id, userId: user.id, number, answer: 'waiting' });
      return { number };
    }
    async verify(attempt: AttemptView): Promise<VerifyOutcome> {
      const request = [...requests.values()].find((r) => r.attemptId === attempt.id);
      if (request?.answer !== 'approved') return { verified: false, reason: 'invalid', message: 'Not approved on your device.' };
      request.answer = 'spent';
      return { verified: true };
    }
    async listDevices(user: HostUser) {
      const device = devices.get(user.id);
      return device ? [device] : [];
    }
    async revoke(user: HostUser, deviceId: number) {
      if (devices.get(user.id)?.id !== deviceId) return false;
      return devices.delete(user.id);
    }
    async beginSetup(user: HostUser): Promise<ApproveOnDeviceSetup> {
      const setupId = randomUUID();
      const code = String(randomInt(100000, 1000000));
      pending.set(setupId, { userId: user.id, code, paired: false, createdAt: this.context.now() });
      return { setupId, pairingCode: code, paired: false };
    }
    async resumeSetup(user: HostUser, input: Record<string, unknown>): Promise<ApproveOnDeviceSetup | null> {
      const open = pending.get(String(input.setupId));
      if (!open || open.userId !== user.id) return null;
      return { setupId: String(input.setupId), pairingCode: open.code, paired: open.paired };
    }
    async confirmSetup(user: HostUser, input: Record<string, unknown>): Promise<FactorDevice> {
      const open = pending.get(String(input.setupId));
      if (!open || open.userId !== user.id) throw new MfaError('SETUP_EXPIRED', 'This pairing is over. Start again.');
      if (!open.paired) throw new MfaError('INVALID_INPUT', 'Pair your phone first, then finish.');
      pending.delete(String(input.setupId));
      const device: FactorDevice = { id: nextDevice++, factor: id, label: 'Test phone', createdAt: this.context.now(), lastUsedAt: null };
      devices.set(user.id, device);
      return device;
    }
  }

  const routes: FactorRoute[] = [
    {
      method: 'POST',
      path: `${base}/pair`,
      access: 'public',
      async handle({ body }) {
        const { setupId, code } = (body ?? {}) as { setupId?: unknown; code?: unknown };
        const open = pending.get(String(setupId));
        if (!open || open.code !== code) return { status: 400, json: { error: 'Unknown pairing.' } };
        open.paired = true;
        return { json: { paired: true } };
      },
    },
    {
      method: 'POST',
      path: `${base}/answer`,
      access: 'public',
      async handle({ body }) {
        const { request: requestId, number, deny } = (body ?? {}) as { request?: unknown; number?: unknown; deny?: unknown };
        const request = requests.get(String(requestId));
        if (!request || request.answer !== 'waiting') return { status: 409, json: { error: 'No such request waiting.' } };
        request.answer = deny === true ? 'denied' : number === request.number ? 'approved' : 'waiting';
        return { json: { answer: request.answer } };
      },
    },
    {
      method: 'GET',
      path: `${base}/device`,
      access: 'public',
      async handle() {
        return { page: { title: 'Test device', blocks: [{ kind: 'text', text: 'Answers logins for the tests.' }], script: 'device.js', manifest: 'device.webmanifest' } };
      },
    },
    {
      method: 'GET',
      path: `${base}/events`,
      access: 'user',
      async handle({ user }) {
        async function* ticks() {
          try {
            for (let i = 0; ; i++) {
              yield { event: 'tick', data: { i, user: user?.username ?? null } };
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          } finally {
            eventStreamsClosed.count++;
          }
        }
        return { events: ticks() };
      },
    },
    {
      method: 'GET',
      path: `${base}/waiting`,
      access: 'pending',
      async handle({ attemptId }) {
        return { json: { waiting: [...requests.values()].some((r) => r.attemptId === attemptId && r.answer === 'waiting') } };
      },
    },
  ];

  const factory: FactorProviderFactory<ApproveOnDeviceSetup, Record<string, unknown>> = {
    id,
    displayName: 'Approve on my test phone',
    referenceCategory: 'push',
    requiresInput: true,
    userSetupAllowed: true,
    capabilities: { requiresInput: true, sendsChallenge: true, worksWithoutBrowser: true, phishingResistant: true, userSetupAllowed: true },
    copy: { displayName: 'Test phone', addedMessage: 'Your test phone is paired.', removedMessage: 'The test phone was removed.' },
    presentation: {
      prompt: { kind: 'approval', button: 'Approve on my test phone', hint: 'We send a request to your paired phone.' },
      card: { title: 'Pair a test phone', text: 'Approve logins on your phone.', button: 'Pair a test phone' },
      presentSetup: (setup) => ({
        title: 'Pair your test phone',
        blocks: [
          { kind: 'qr', value: `${base}/device?pair=${setup.setupId}`, alt: 'QR code to pair your phone' },
          { kind: 'number', label: 'Pairing code', value: setup.pairingCode },
        ],
        confirm: setup.paired ? { kind: 'acknowledge', button: 'Finish' } : { kind: 'wait', hint: 'Waiting for your phone…' },
        carry: { setupId: setup.setupId },
      }),
      presentChallenge: (challenge) => ({
        message: 'We sent a request to your phone. Pick this number there:',
        blocks: [{ kind: 'number', label: 'Your number', value: String(challenge.number) }],
      }),
      assets: {
        'device.js': new URL('./device.js', import.meta.url).pathname,
        'device.webmanifest': new URL('./device.webmanifest', import.meta.url).pathname,
      },
      routes,
    },
    create: (context) => new Provider(context),
  };

  return {
    factory,
    openRequest(userId) {
      for (const [key, request] of requests) if (request.userId === userId && request.answer === 'waiting') return { id: key, number: request.number };
      return undefined;
    },
  };
}

/** How many event streams of the factor ended (the client left, or the stream ran out): the door must close them. */
export const eventStreamsClosed = { count: 0 };
