import type { Host, HostUser } from '../spi/host.ts';
import { rememberedRead } from '../store/operationScope.ts';

/**
 * The host's user by id, looked up once per operation scope: a request's account check,
 * then the attempt's status and verify, all ask for the same user. A copy each time, so
 * no caller changes what another sees.
 */
export async function findHostUser(host: Pick<Host, 'findUserById'>, id: string): Promise<HostUser | null> {
  const user = await rememberedRead(host, `user:${id}`, () => host.findUserById(id));
  return user ? { ...user } : null;
}
