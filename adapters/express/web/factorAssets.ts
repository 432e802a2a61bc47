import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { PAGE_ASSETS } from '../../../web/pageAssets.ts';

/** By extension: what a factor may ship for browsers. Anything else is served as bytes, never as a page. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  body: Buffer;
  type: string;
}

function asset(path: string, name: string): Asset {
  return { body: readFileSync(path), type: CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream' };
}

/**
 * `GET /mfa/assets/<name>`: the pages' own stylesheet and scripts (web/pageAssets.ts), so a
 * host that mounts the door gets styled, working pages without serving anything itself;
 * `GET /mfa/assets/<factor id>/<name>`: the files each factor declares in
 * `presentation.assets`. Nothing else (no path is built from the request, so no `..` can
 * reach another file). Read once at start: a missing file stops the site from starting,
 * rather than failing in a user's browser.
 */
export function factorAssets(plugin: MfaPlugin): Router {
  const assets = new Map<string, Asset>();
  for (const [name, path] of Object.entries(PAGE_ASSETS)) assets.set(name, asset(path, name));
  for (const factory of plugin.registry.all()) {
    for (const [name, path] of Object.entries(factory.presentation?.assets ?? {})) {
      assets.set(`${factory.id}/${name}`, asset(path, name));
    }
  }
  const router = Router();
  const send = (key: string, res: Response) => {
    const found = assets.get(key);
    if (!found) return void res.status(404).type('text/plain').send('Not found');
    // Not immutable: the names carry no version, so a new release must reach browsers within the hour.
    res.type(found.type).set('Cache-Control', 'public, max-age=3600').send(found.body);
  };
  router.get('/mfa/assets/:name', (req, res) => send(req.params.name, res));
  router.get('/mfa/assets/:factor/:name', (req, res) => send(`${req.params.factor}/${req.params.name}`, res));
  return router;
}
