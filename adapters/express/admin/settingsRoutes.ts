import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import type { SettingDefinition, SettingValue } from '../../../plugin/manifest/manifest.ts';
import { parseSettingValue } from '../../../plugin/settings/parseSettingValue.ts';
import { renderSettingsPage, type ShownValue } from '../../../web/pages/admin/settingsPage.ts';
import { csrfToken } from '../csrf.ts';
import { adminOf, takeAdminFlash } from './adminAccess.ts';

function shown(value: SettingValue): ShownValue {
  if (typeof value === 'boolean') return value;
  return Array.isArray(value) ? value.join('\n') : String(value);
}

/**
 * What the form says for one setting. An unticked checkbox sends nothing, so a boolean
 * missing from the form is false; any other field missing (or sent twice) is refused
 * rather than guessed.
 */
function submitted(definition: SettingDefinition, body: Record<string, unknown>): ShownValue | undefined {
  const value = body[definition.name];
  if (definition.type === 'boolean') return value === 'true';
  return typeof value === 'string' ? value : undefined;
}

function sectionTitles(plugin: MfaPlugin): Map<string, string> {
  const titles = new Map<string, string>([['general', 'General']]);
  for (const factor of plugin.admin.factors) titles.set(`factor.${factor.id}`, factor.displayName);
  return titles;
}

/** `/admin/mfa/settings`: the manifest's settings as one form, validated field by field, saved all or nothing. */
export function settingsRoutes(plugin: MfaPlugin): Router {
  const router = Router();

  function show(req: Request, res: Response, values: Map<string, ShownValue>, errors?: Map<string, string>): void {
    res.status(errors && errors.size > 0 ? 400 : 200).send(
      renderSettingsPage({
        csrf: csrfToken(req),
        username: adminOf(res).username,
        definitions: plugin.settings.listDefinitions(),
        values,
        sectionTitles: sectionTitles(plugin),
        errors,
        flash: takeAdminFlash(req),
      }),
    );
  }

  router.get('/settings', async (req, res, next) => {
    try {
      const snapshot = await plugin.settings.snapshot();
      show(req, res, new Map(snapshot.entries().map(({ definition, value }) => [definition.name, shown(value)])));
    } catch (error) {
      next(error);
    }
  });

  router.post('/settings', async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = new Map<string, ShownValue>();
      const parsed: Record<string, SettingValue> = {};
      const errors = new Map<string, string>();
      // Every field is checked, so the admin sees all the mistakes at once, not one per save.
      for (const definition of plugin.settings.listDefinitions()) {
        const value = submitted(definition, body);
        values.set(definition.name, value ?? '');
        if (value === undefined) {
          errors.set(definition.name, `${definition.label}: the form sent no value; reload the page and try again.`);
          continue;
        }
        try {
          parsed[definition.name] = parseSettingValue(definition, value);
        } catch (error) {
          if (!isMfaError(error)) throw error;
          errors.set(definition.name, error.message);
        }
      }
      if (errors.size > 0) return show(req, res, values, errors);
      const changes = await plugin.settings.setMany(parsed, adminOf(res).username);
      req.session.mfaAdminFlash =
        changes.length === 0 ? 'Nothing changed.' : `Saved ${changes.length === 1 ? '1 change' : `${changes.length} changes`}: ${changes.map((c) => c.name).join(', ')}.`;
      res.redirect(303, '/admin/mfa/settings');
    } catch (error) {
      next(error);
    }
  });

  return router;
}
