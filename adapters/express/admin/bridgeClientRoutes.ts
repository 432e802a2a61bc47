import { Router } from 'express';
import type { BridgeClients, UserSource } from '../../../plugin/bridge/bridgeClients.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import { renderBridgeClientsPage } from '../../../web/pages/admin/bridgeClientsPage.ts';
import { csrfToken } from '../csrf.ts';
import { adminOf, takeAdminFlash } from './adminAccess.ts';

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/** `/admin/mfa/bridge`: list, add (secret shown once, never stored in the session) and revoke bridge clients. */
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
      const form = { clientId: field(req.body, 'clientId'), platform: field(req.body, 'platform'), userSource: (field(req.body, 'userSource') || 'platform') as UserSource };
      const page = { csrf: csrfToken(req), username: adminOf(res).username };
      try {
        const { client, secret } = await clients.add({ ...form, actor: adminOf(res).username });
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
