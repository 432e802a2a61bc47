import { type Request, type Response, Router } from 'express';
import type { LmsHost } from '../lmsHost.ts';
import { findServedFunction, functionsInService } from './functionTable.ts';
import { functionNotInService, invalidParameter, invalidToken, missingRecord, sendWsError, sendWsJson, userSuspended, WsError } from './restErrors.ts';
import { requestFields, type WsMap } from './wsParams.ts';

/**
 * The web service call settings Moodle takes out of the parameters before the function
 * sees them (webservice/lib.php, set_web_service_call_settings). They shape output
 * (filters, file URLs, language) that this site has no variants of.
 */
const CALL_SETTINGS = ['moodlewssettingraw', 'moodlewssettingfileurl', 'moodlewssettingfilter', 'moodlewssettinglang', 'moodlewssettingtimezone'];

/** The request's own fields (webservice/rest/locallib.php parse_request): out of the function's parameters. */
function takeText(fields: WsMap, name: string): string | undefined {
  const value = fields[name];
  delete fields[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export const REST_SERVER_PATH = '/webservice/rest/server.php';

/**
 * `/webservice/rest/server.php`: where the Moodle app uses the token from login/token.php.
 * Moodle's order (webservice/lib.php, webservice_base_server::run): read the request,
 * authenticate the token, find the function and check it is in the token's service,
 * validate its parameters, run it. Every answer is HTTP 200 JSON (the site sends
 * `Access-Control-Allow-Origin: *` for this path before any parser runs), errors included: the app reads errors from the body,
 * and shows "site not accessible" for anything else.
 */
export function restServer(options: { host: LmsHost }): Router {
  const { host } = options;
  const router = Router();

  const handle = async (req: Request, res: Response) => {
    // PHP reads a form body into $_POST and ignores any other (a JSON body is not parameters).
    const body = req.method === 'POST' && req.is('application/x-www-form-urlencoded') ? req.body : undefined;
    const fields = requestFields(req.query, body);
    for (const name of CALL_SETTINGS) delete fields[name];
    // The app always asks for JSON; this reference server writes nothing else.
    delete fields.moodlewsrestformat;
    const token = takeText(fields, 'wstoken');
    const functionName = takeText(fields, 'wsfunction');

    const used = token ? await host.useServiceToken(token) : null;
    if (!used) throw invalidToken();
    const user = await host.findUserById(used.userId);
    if (!user) throw invalidToken();
    if (user.suspended) throw userSuspended(user.username);

    if (!functionName) throw invalidParameter('Missing function name');
    const fn = findServedFunction(functionName);
    if (!fn) throw missingRecord('external_functions', `wsfunction ${functionName}`);
    if (!fn.services.includes(used.service)) throw functionNotInService(functionName);

    const result = await fn.run(fields, { user, service: used.service, host, servedFunctions: functionsInService(used.service) });
    sendWsJson(res, result);
  };

  router.all(REST_SERVER_PATH, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
      res.set('Allow', 'GET, POST');
      return sendWsError(res, invalidParameter(`${req.method} is not a web service call: send it as GET or POST.`));
    }
    handle(req, res).catch((error: unknown) => (error instanceof WsError ? sendWsError(res, error) : next(error)));
  });
  return router;
}
