import { type Request, type Response, Router } from 'express';
import type { LmsHost } from './lmsHost.ts';

/** Moodle's web service error body (`moodle_exception`), which the mobile app reads. */
function wsException(errorcode: string, message: string) {
  return { exception: 'moodle_exception', errorcode, message };
}

function param(req: Request, name: string): string | undefined {
  const value = (req.method === 'POST' ? (req.body?.[name] ?? req.query[name]) : req.query[name]) as unknown;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `/webservice/rest/server.php`: where a token from login/token.php is used. The
 * reference site offers the one function every Moodle app calls first,
 * `core_webservice_get_site_info`; enough to show that a revoked token stops working
 * on its next call. A real host has its whole web service layer here.
 */
export function webserviceEndpoint(options: { host: LmsHost }): Router {
  const router = Router();
  const handle = async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const token = param(req, 'wstoken');
    const used = token ? await options.host.useServiceToken(token) : null;
    if (!used) return res.status(401).json(wsException('invalidtoken', 'Invalid token - token not found'));
    const user = await options.host.findUserById(used.userId);
    if (!user || user.suspended) return res.status(401).json(wsException('invalidtoken', 'Invalid token - token not found'));
    const fn = param(req, 'wsfunction');
    if (fn !== 'core_webservice_get_site_info') {
      return res.status(400).json(wsException('invalidrecord', `Can't find data record in database table external_functions. (${fn ?? 'no wsfunction'})`));
    }
    res.json({
      sitename: options.host.siteName(),
      siteurl: options.host.siteOrigin(),
      username: user.username,
      fullname: user.username,
      userid: Number(user.id),
      lang: 'en',
      functions: [{ name: 'core_webservice_get_site_info', version: '1' }],
    });
  };
  router.all('/webservice/rest/server.php', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') return res.status(405).set('Allow', 'GET, POST').json(wsException('invalidrequest', 'Use GET or POST.'));
    handle(req, res).catch(next);
  });
  return router;
}
