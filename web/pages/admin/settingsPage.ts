import type { SettingDefinition } from '../../../plugin/manifest/manifest.ts';
import { html, type SafeHtml } from '../../html.ts';
import { fieldId, renderAdminPage } from './adminLayout.ts';

/** What a control shows: a checkbox's state, or the text in the field (a list one item per line). */
export type ShownValue = boolean | string;

export interface SettingsPageModel {
  csrf: string;
  username: string;
  definitions: readonly SettingDefinition[];
  values: ReadonlyMap<string, ShownValue>;
  /** Section id (`general`, `factor.totp`) → heading. */
  sectionTitles: ReadonlyMap<string, string>;
  /** Setting name → why its value was refused. */
  errors?: ReadonlyMap<string, string>;
  flash?: string;
  /**
   * While "Enable MFA for the mobile app" is off: the app tokens logins without MFA
   * produced, offered for revocation in the same save that switches it on.
   */
  appTokensWithoutMfa?: { tokens: number; users: number };
}

/** The name of the checkbox that revokes those tokens when the save switches mobile_app_mfa on. */
export const REVOKE_APP_TOKENS_FIELD = 'revoke_app_tokens_without_mfa';

function appTokensOffer(found: { tokens: number; users: number }): SafeHtml {
  const tokens = found.tokens === 1 ? '1 app token' : `${found.tokens} app tokens`;
  const users = found.users === 1 ? '1 user' : `${found.users} users`;
  return html`<div class="setting notice" id="app-tokens-without-mfa">
    <p>${tokens} of ${users} who signed in to the mobile app without MFA still ${found.tokens === 1 ? 'works' : 'work'}. Switching MFA on for the app does not stop them: the app keeps using its token and never asks for a second factor.</p>
    <div class="checkbox">
      <input type="checkbox" id="${REVOKE_APP_TOKENS_FIELD}" name="${REVOKE_APP_TOKENS_FIELD}" value="true" checked>
      <label for="${REVOKE_APP_TOKENS_FIELD}">When this save switches MFA on for the mobile app, revoke these ${tokens} (those users log in to the app again, with MFA)</label>
    </div>
  </div>`;
}

function control(definition: SettingDefinition, shown: ShownValue | undefined, describedBy: string, invalid: boolean): SafeHtml {
  const id = fieldId('setting', definition.name);
  const aria = html`aria-describedby="${describedBy}" ${invalid ? html`aria-invalid="true"` : ''}`;
  switch (definition.type) {
    case 'boolean':
      return html`<div class="checkbox">
        <input type="checkbox" id="${id}" name="${definition.name}" value="true" ${shown === true ? 'checked' : ''} ${aria}>
        <label for="${id}">${definition.label}</label>
      </div>`;
    case 'integer':
      return html`<label for="${id}">${definition.label}</label>
        <input type="number" id="${id}" name="${definition.name}" inputmode="numeric" step="1" min="${definition.min}" max="${definition.max}" required value="${String(shown ?? '')}" ${aria}>`;
    case 'select':
      return html`<label for="${id}">${definition.label}</label>
        <select id="${id}" name="${definition.name}" ${aria}>${definition.options.map(
          (option) => html`<option value="${option}" ${option === shown ? 'selected' : ''}>${definition.optionLabels?.[option] ?? option}</option>`,
        )}</select>`;
    case 'string':
      return html`<label for="${id}">${definition.label}</label>
        <input type="text" id="${id}" name="${definition.name}" maxlength="${definition.maxLength ?? 1000}" value="${String(shown ?? '')}" ${aria}>`;
    case 'list':
    case 'cidr-list':
      return html`<label for="${id}">${definition.label}</label>
        <textarea id="${id}" name="${definition.name}" rows="4" autocapitalize="none" spellcheck="false" ${aria}>${String(shown ?? '')}</textarea>`;
  }
}

function field(definition: SettingDefinition, model: SettingsPageModel): SafeHtml {
  const offer = definition.name === 'mobile_app_mfa' && model.appTokensWithoutMfa && model.appTokensWithoutMfa.tokens > 0 ? appTokensOffer(model.appTokensWithoutMfa) : '';
  const id = fieldId('setting', definition.name);
  const error = model.errors?.get(definition.name);
  // The error is read first, then the help: what went wrong before what the setting is.
  const describedBy = error ? `${id}-error ${id}-help` : `${id}-help`;
  return html`<div class="setting">
    ${control(definition, model.values.get(definition.name), describedBy, Boolean(error))}
    ${error ? html`<p id="${id}-error" class="error">${error}</p>` : ''}
    <p id="${id}-help" class="hint">${definition.help} <span class="setting-name">(${definition.name})</span></p>
  </div>${offer}`;
}

/** `/admin/mfa/settings`: every setting of manifest.json, one fieldset per section, saved all together or not at all. */
export function renderSettingsPage(model: SettingsPageModel): string {
  const sections = [...new Set(model.definitions.map((d) => d.section))];
  const errorCount = model.errors?.size ?? 0;
  const body = html`
    <h1>Multi-factor authentication settings</h1>
    ${
      errorCount > 0
        ? html`<div class="error" role="alert" id="settings-errors"><p>Nothing was saved: ${errorCount === 1 ? '1 setting needs' : `${errorCount} settings need`} correcting.</p>
            <ul>${[...(model.errors ?? [])].map(([name, message]) => html`<li><a href="#${fieldId('setting', name)}">${message}</a></li>`)}</ul></div>`
        : ''
    }
    <form method="post" action="/admin/mfa/settings" novalidate>
      <input type="hidden" name="_csrf" value="${model.csrf}">
      ${sections.map(
        (section) => html`<fieldset class="card" id="${fieldId('section', section)}">
          <legend><h2>${model.sectionTitles.get(section) ?? section}</h2></legend>
          ${model.definitions.filter((d) => d.section === section).map((d) => field(d, model))}
        </fieldset>`,
      )}
      <button type="submit">Save settings</button>
    </form>`;
  return renderAdminPage({ title: 'MFA settings', current: 'settings', body, username: model.username, csrf: model.csrf, flash: model.flash });
}
