import type { NextFunction, Request, Response } from 'express';

/**
 * An async route handler whose rejections reach the error handler. Express 5 does this
 * itself for returned promises; the wrapper keeps it explicit and lets routes be written
 * the same way under either version a host runs.
 */
export function asyncRoute(handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };
}
