import express, { type Express, Router } from 'express';
import type { Bridge } from '../../plugin/createBridge.ts';
import { operationScope } from '../express/operationScope.ts';
import { bridgeAttemptRoutes } from './bridgeAttemptRoutes.ts';
import { answer, bridgeErrors, requireSignedRequest } from './bridgeRequests.ts';
import { bridgeSetupRoutes } from './bridgeSetupRoutes.ts';

export const BRIDGE_BASE = '/bridge/v1';

/**
 * The bridge API (`/bridge/v1`, docs/bridge-protocol.md, bridge.openapi.yaml) for platforms
 * that are not Node (the Keycloak provider in keycloak). Every call is signed by
 * a client (HMAC over the raw body), audited with the client id, and served by the
 * bridge's own plugin over the same tables as the site's. Mount it before cookies and
 * sessions: callers authenticate by signature, never by cookie.
 */
export function createBridgeApi(options: { bridge: Bridge; log?: (line: string) => void }): { mount(app: Express): void } {
  const { bridge } = options;
  const router = Router();
  // Raw bytes: the signature covers the body exactly as sent.
  router.use(operationScope());
  router.use(express.raw({ type: () => true, limit: '16kb' }));
  router.use(requireSignedRequest(bridge));
  router.use(bridgeAttemptRoutes(bridge));
  router.use(bridgeSetupRoutes(bridge));
  router.use(async (req, res, next) => {
    try {
      await answer(bridge, req, res, 404, { error: `There is no ${req.method} ${BRIDGE_BASE}${req.path}. See bridge.openapi.yaml.`, code: 'NOT_FOUND' });
    } catch (error) {
      next(error);
    }
  });
  router.use(bridgeErrors(bridge, options.log ?? console.error));
  return { mount: (app) => app.use(BRIDGE_BASE, router) };
}
