import type { RequestHandler } from 'express';
import { withOperationScope } from '../../plugin/store/operationScope.ts';

/**
 * Each request is one operation for the plugin: what it reads more than once (settings,
 * a user's factor records, the attempt, the user) is read once (plugin/store/operationScope.ts).
 * Mounted in front of the doors' routes, so the rest of the request runs inside it.
 */
export function operationScope(): RequestHandler {
  return (_req, _res, next) => withOperationScope(() => next());
}
