import express, { type Express, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { operationScope } from '../operationScope.ts';
import { authenticateApiCaller } from './apiCaller.ts';
import { apiErrors, sendApiError } from './apiErrors.ts';
import { mfaRoutes } from './mfaRoutes.ts';
import { sessionRoutes } from './sessionRoutes.ts';
import { tokenRoutes } from './tokenRoutes.ts';

export const API_BASE = '/api/v1';

export interface MfaApiOptions {
  plugin: MfaPlugin;
  /**
   * Routes of the host under /api/v1 (after ours), e.g. an upload endpoint guarded by
   * `requireScope('uploads')`; the scopes they check are declared to `createMfaPlugin`.
   */
  hostRoutes?: Router;
  log?: (line: string) => void;
}

/**
 * The JSON API door (`/api/v1`, documented in openapi.yaml): sessions with password +
 * code, Basic auth with X-MFA-Code, TOTP self-service, identity tokens. Mount it
 * before the host's cookie session and CSRF middleware: API callers send credentials
 * in a header, never a cookie, so cross-site requests cannot ride on them.
 */
export function createMfaApi(options: MfaApiOptions): { mount(app: Express): void } {
  const router = Router();
  router.use(operationScope());
  router.use(express.json({ limit: '16kb' }));
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(sessionRoutes(options.plugin));
  router.use(mfaRoutes(options.plugin));
  router.use(tokenRoutes(options.plugin));
  // The host's routes see only authenticated callers: `apiCaller(res)` and `requireScope` work there.
  if (options.hostRoutes) router.use(authenticateApiCaller(options.plugin), options.hostRoutes);
  router.use((req, res) => sendApiError(res, 404, 'NOT_FOUND', `There is no ${req.method} ${API_BASE}${req.path}. See openapi.yaml for the API.`));
  router.use(apiErrors(options.log ?? console.error));
  return { mount: (app) => app.use(API_BASE, router) };
}
