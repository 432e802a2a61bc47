import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { LmsHost } from './lmsHost.ts';
import { ajaxCallFailure, moodleError, moodleScriptErrors } from './moodleErrors.ts';
import type { MobileAppSettings } from './mobileApp.ts';
import { publicConfig } from './publicConfig.ts';

export const AJAX_NOLOGIN_PATH = '/lib/ajax/service-nologin.php';

/** Calls one HTTP request may batch: Moodle sets no limit; an anonymous endpoint needs one. */
const MAX_CALLS_PER_REQUEST = 10;

/** One call of a batch, as core/ajax and the app send it: `{index, methodname, args}`. */
const ajaxCall = z.object({ index: z.number().int().min(0), methodname: z.string().max(200), args: z.record(z.string(), z.unknown()).default({}) });
const ajaxBatch = z.array(ajaxCall).min(1).max(MAX_CALLS_PER_REQUEST);

interface NologinFunction {
  /** Moodle validates args against the function's parameters and refuses unexpected keys. */
  args: z.ZodType<Record<string, unknown>>;
  run(): Promise<unknown>;
}

export interface AjaxEndpointOptions {
  host: LmsHost;
  /** The app's sign-in as the site's settings say (typeoflogin, tool_mfa_enabled). */
  mobileAppSettings(): Promise<MobileAppSettings>;
  log: (line: string) => void;
}

/**
 * `lib/ajax/service-nologin.php`: Moodle's ajax entry for functions that need no login
 * (moodle lib/ajax/service.php with NO_MOODLE_COOKIES and ALLOW_GET_PARAMETERS). The
 * Moodle app's first request to a site is `tool_mobile_get_public_config` here; a site
 * that does not answer it in this shape is "not a Moodle site" to the app.
 *
 * The body is JSON text whatever its Content-Type says (the app labels it
 * application/x-www-form-urlencoded in a browser build, so the site's form parser must
 * never see it); `args=` in the query string replaces it, which is how the app retries
 * after a `codingerror`. Every answer is HTTP 200 (moodleapp src/core/services/ws.ts
 * performAjax: a success is an array, a request-level failure an object with `error`).
 * No cookie is read: the site's session is mounted after this router.
 */
export function ajaxEndpoint(options: AjaxEndpointOptions): Router {
  const functions: Record<string, NologinFunction> = {
    tool_mobile_get_public_config: {
      args: z.object({}).strict(),
      run: async () => publicConfig(options.host, await options.mobileAppSettings()),
    },
  };
  const origin = () => options.host.siteOrigin();

  async function answerCall(call: z.infer<typeof ajaxCall>) {
    const fn = Object.hasOwn(functions, call.methodname) ? functions[call.methodname] : undefined;
    if (!fn) return ajaxCallFailure(origin(), 'invalidrecord', "Can't find data record in database table external_functions.");
    const args = fn.args.safeParse(call.args);
    if (!args.success) {
      const unexpected = Object.keys(call.args).join(', ');
      return ajaxCallFailure(origin(), 'invalidparameter', `Invalid parameter value detected (Unexpected keys (${unexpected}) detected in parameter array.)`);
    }
    return { error: false, data: await fn.run() };
  }

  const handle = async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const queryArgs = typeof req.query.args === 'string' && req.query.args !== '' ? req.query.args : undefined;
    const text = queryArgs ?? (typeof req.body === 'string' ? req.body : '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Moodle's words (json_last_error_msg): the app retries once with GET on this code.
      return res.json(moodleError('codingerror', 'Coding error detected, it must be fixed by a programmer: Invalid json in request: Syntax error'));
    }
    const batch = ajaxBatch.safeParse(parsed);
    const indexes = batch.success ? batch.data.map((call) => call.index) : [];
    if (!batch.success || new Set(indexes).size !== indexes.length) {
      return res.json(moodleError('codingerror', `Coding error detected, it must be fixed by a programmer: Invalid request: send a JSON array of 1 to ${MAX_CALLS_PER_REQUEST} calls {"index": 0, "methodname": "...", "args": {}}, each with its own index.`));
    }
    // Answers in index order: PHP's json_encode of $responses[$index] is a list when the indexes are 0..n-1.
    const calls = [...batch.data].sort((a, b) => a.index - b.index);
    const answers = [];
    for (const call of calls) answers.push(await answerCall(call));
    res.json(answers);
  };

  const router = Router();
  router.all(AJAX_NOLOGIN_PATH, express.text({ type: () => true, limit: '64kb' }), (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') return res.set('Allow', 'GET, POST').json(moodleError('invalidrequest', 'Call service-nologin.php with GET or POST.'));
    handle(req, res).catch(next);
  });
  router.use(AJAX_NOLOGIN_PATH, moodleScriptErrors(options.log, 'service-nologin.php', 'Coding error detected, it must be fixed by a programmer: the request body could not be read (send UTF-8 JSON, at most 64 KB).'));
  return router;
}
