import type { RequestHandler } from 'express';

/**
 * CORS for the endpoints the Moodle app calls from its WebView (login/token.php, the ajax
 * and REST servers): on Android its requests come from `http://localhost`, in a browser
 * build from wherever the app is served, and the app reads no answer the browser hides.
 * Moodle sends `Access-Control-Allow-Origin: *` there. The wildcard never carries
 * credentials, so these endpoints see no cookie of ours from another origin: they
 * authenticate by their own parameters (password, wstoken) only.
 */
export function allowAnyOrigin(): RequestHandler {
  return (req, res, next) => {
    res.set('Access-Control-Allow-Origin', '*');
    // A JSON body (the ajax site check from a browser build) is not a "simple" request: answer its preflight.
    if (req.method === 'OPTIONS') {
      res.set({ 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '86400' });
      return res.status(204).end();
    }
    next();
  };
}
