import { z } from 'zod';
import { MfaError } from '../../plugin/errors.ts';

const platformUser = {
  platform: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'platform: 1 to 64 lowercase letters, digits, - or _'),
  userId: z.string().min(1, 'userId: the platform\'s id of the user').max(191),
  username: z.string().min(1, 'username: the user\'s name on the platform').max(191),
  /** Keycloak users may have none; email codes then cannot be offered. */
  email: z.string().max(191).default(''),
  /** The platform checked that the user owns `email`: a client of the site's users links only then. */
  emailVerified: z.boolean({ message: 'emailVerified: true or false, whether the platform verified the email address' }).default(false),
};

/** POST /bridge/v1/attempts */
export const openAttemptInput = z.object({
  ...platformUser,
  door: z.enum(['web', 'token'], { message: 'door: "web" (browser login) or "token" (direct grant)' }),
  ip: z.string().max(64).nullish(),
  userAgent: z.string().max(512).nullish(),
});

/** POST /bridge/v1/attempts/{attempt}/challenge */
export const challengeInput = z.object({ factor: z.string().min(1, 'factor: the id of a factor the attempt offers').max(64) });

/** POST /bridge/v1/attempts/{attempt}/verify */
export const verifyInput = z.object({
  factor: z.string().min(1, 'factor: the id of a factor the attempt offers').max(64),
  code: z.string().min(1, 'code: what the user typed').max(64),
});

/** POST /bridge/v1/users/setup/{factor} */
export const beginSetupInput = z.object({ ...platformUser, attempt: z.string().max(128).optional() });

/** POST /bridge/v1/users/setup/{factor}/confirm */
export const confirmSetupInput = z.object({
  platform: platformUser.platform,
  userId: platformUser.userId,
  setupId: z.union([z.string().min(1).max(64), z.number().int()]).transform(String),
  code: z.string().min(1, 'code: what the factor shows now (an authenticator app\'s current code)').max(64),
  attempt: z.string().max(128).optional(),
});

/** The body, checked against `schema`, or INVALID_INPUT naming the first field that is wrong. */
export function parseInput<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const text = issue?.message ?? 'not valid';
  const message = field && text.startsWith(`${field}:`) ? text : `${field || 'body'}: ${text}`;
  throw new MfaError('INVALID_INPUT', `Fix the request body: ${message}.`, { field });
}
