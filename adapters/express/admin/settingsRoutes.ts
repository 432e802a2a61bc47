import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import type { SettingDefinition, SettingValue } from '../../../plugin/manifest/manifest.ts';
import { parseSettingValue } from '../../../plugin/settings/parseSettingValue.ts';
import { REVOKE_APP_TOKENS_FIELD, renderSettingsPage, type ShownValue } from '../../../web/pages/admin/settingsPage.ts';
import { type AppTokensWithoutMfa, appTokensIssuedWithoutMfa, revokeAppTokens } from '../../../plugin/credentials/appTokensWithoutMfa.ts';
import { auditIp } from '../requestFacts.ts';
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

  const tokenDeps = { host: plugin.registry.host, audit: plugin.audit, identityTokens: plugin.identityTokens };

  /** The app tokens to offer for revocation: only while the mobile-app toggle is off (once on, the offer was made in that save). */
  async function appTokensWithoutMfa(): Promise<AppTokensWithoutMfa | null> {
    if ((await plugin.settings.snapshot()).boolean('mobile_app_mfa')) return null;
    return appTokensIssuedWithoutMfa(tokenDeps);
  }

  async function show(req: Request, res: Response, values: Map<string, ShownValue>, errors?: Map<string, string>): Promise<void> {
    const found = await appTokensWithoutMfa();
    res.status(errors && errors.size > 0 ? 400 : 200).set('Cache-Control', 'no-store').send(
      renderSettingsPage({
        csrf: csrfToken(req),
        username: adminOf(res).username,
        definitions: plugin.settings.listDefinitions(),
        values,
        sectionTitles: sectionTitles(plugin),
        errors,
        flash: takeAdminFlash(req),
        appTokensWithoutMfa: found ? { tokens: found.tokens.length, users: found.users } : undefined,
      }),
    );
  }

  router.get('/settings', async (req, res, next) => {
    try {
      const snapshot = await plugin.settings.snapshot();
      await show(req, res, new Map(snapshot.entries().map(({ definition, value }) => [definition.name, shown(value)])));
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
      if (errors.size > 0) return await show(req, res, values, errors);
      // Read before the save: switching the toggle on starts a new period.
      const withoutMfa = await appTokensWithoutMfa();
      const admin = adminOf(res);
      const changes = await plugin.settings.setMany(parsed, admin.username);
      const saved =
        changes.length === 0 ? 'Nothing changed.' : `Saved ${changes.length === 1 ? '1 change' : `${changes.length} changes`}: ${changes.map((c) => c.name).join(', ')}.`;
      const switchedOn = changes.some((c) => c.name === 'mobile_app_mfa' && c.newValue === true);
      let tokens = '';
      if (switchedOn && withoutMfa && withoutMfa.tokens.length > 0) {
        if (body[REVOKE_APP_TOKENS_FIELD] === 'true') {
          const revoked = await revokeAppTokens(tokenDeps, withoutMfa, { actor: admin.username, ip: await auditIp(plugin, req) });
          tokens = ` Revoked ${revoked === 1 ? '1 app token' : `${revoked} app tokens`} issued without MFA.`;
        } else {
          const count = withoutMfa.tokens.length;
          tokens = ` ${count === 1 ? '1 app token' : `${count} app tokens`} issued without MFA still ${count === 1 ? 'works' : 'work'} until revoked (on each user’s admin page).`;
        }
      }
      req.session.mfaAdminFlash = `${saved}${tokens}`;
      res.redirect(303, '/admin/mfa/settings');
    } catch (error) {
      next(error);
    }
  });

  return router;
}
