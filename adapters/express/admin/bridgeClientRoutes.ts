import { Router } from 'express';
import type { BridgeClients, UserSource } from '../../../plugin/bridge/bridgeClients.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import { isTokenDoorPolicy, type TokenDoorPolicy } from '../../../plugin/engine/tokenDoorPolicy.ts';
import { renderBridgeClientsPage, TOKEN_DOOR_LABEL } from '../../../web/pages/admin/bridgeClientsPage.ts';
import { csrfToken } from '../csrf.ts';
import { adminOf, takeAdminFlash } from './adminAccess.ts';

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/** `/admin/mfa/bridge`: list, add (secret shown once, never stored in the session), change the token door of, and revoke bridge clients. */
export function bridgeClientRoutes(clients: BridgeClients): Router {
  const router = Router();
  router.get('/bridge', async (req, res, next) => {
    try {
      res.send(renderBridgeClientsPage({ csrf: csrfToken(req), username: adminOf(res).username, clients: await clients.list(), flash: takeAdminFlash(req) }));
    } catch (error) {
      next(error);
    }
  });

  router.post('/bridge', async (req, res, next) => {
    try {
      const form = {
        clientId: field(req.body, 'clientId'),
        platform: field(req.body, 'platform'),
        userSource: (field(req.body, 'userSource') || 'platform') as UserSource,
        // A form without the field (an older page) gets the default; any other value is refused, naming the choices.
        tokenDoorPolicy: field(req.body, 'tokenDoorPolicy') || 'required',
      };
      const page = { csrf: csrfToken(req), username: adminOf(res).username };
      try {
        // Checked by add, which refuses any other value naming the choices (as it does a user source).
        const { client, secret } = await clients.add({ ...form, tokenDoorPolicy: form.tokenDoorPolicy as TokenDoorPolicy, actor: adminOf(res).username });
        // The one page that shows the secret: never cached, never put in the session.
        res.set('Cache-Control', 'no-store').status(201).send(renderBridgeClientsPage({ ...page, clients: await clients.list(), created: { clientId: client.clientId, secret } }));
      } catch (error) {
        if (!isMfaError(error, 'INVALID_INPUT')) throw error;
        res.status(400).send(renderBridgeClientsPage({ ...page, clients: await clients.list(), error: error.message, form }));
      }
    } catch (error) {
      next(error);
    }
  });

  router.post('/bridge/:clientId/token-door', async (req, res, next) => {
    try {
      const clientId = String(req.params.clientId);
      const policy = field(req.body, 'tokenDoorPolicy');
      try {
        const changed = await clients.setTokenDoorPolicy(clientId, policy, adminOf(res).username);
        req.session.mfaAdminFlash = changed && isTokenDoorPolicy(policy) ? `Client ${clientId}: token door: ${TOKEN_DOOR_LABEL[policy]}.` : `Client ${clientId} was revoked, or does not exist: nothing was changed.`;
        res.redirect(303, '/admin/mfa/bridge');
      } catch (error) {
        if (!isMfaError(error, 'INVALID_INPUT')) throw error;
        res.status(400).send(renderBridgeClientsPage({ csrf: csrfToken(req), username: adminOf(res).username, clients: await clients.list(), changeError: error.message }));
      }
    } catch (error) {
      next(error);
    }
  });

  router.post('/bridge/:clientId/revoke', async (req, res, next) => {
    try {
      const clientId = String(req.params.clientId);
      const revoked = await clients.revoke(clientId, adminOf(res).username);
      req.session.mfaAdminFlash = revoked ? `Client ${clientId} is revoked: its next request is refused.` : `Client ${clientId} was already revoked, or does not exist.`;
      res.redirect(303, '/admin/mfa/bridge');
    } catch (error) {
      next(error);
    }
  });
  return router;
}
