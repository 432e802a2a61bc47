import { html, type SafeHtml } from '../../html.ts';
import { renderPage } from '../../layout.ts';

export type AdminSection = 'settings' | 'users' | 'report' | 'bridge';

const LINKS: ReadonlyArray<[AdminSection, string, string]> = [
  ['settings', '/admin/mfa/settings', 'Settings'],
  ['users', '/admin/mfa/users', 'Users'],
  ['report', '/admin/mfa/report', 'Factor report'],
  ['bridge', '/admin/mfa/bridge', 'Bridge clients'],
];

export interface AdminPageOptions {
  title: string;
  current: AdminSection;
  body: SafeHtml;
  username: string;
  csrf: string;
  flash?: string;
}

/** Every `/admin/mfa` page: the site's shell with the MFA admin navigation, the current page marked for screen readers. */
export function renderAdminPage(options: AdminPageOptions): string {
  const body = html`
    <nav aria-label="Multi-factor authentication administration" class="admin-nav">
      <a href="/admin">Site administration</a> ›
      ${LINKS.map(([id, href, label]) => (id === options.current ? html`<a href="${href}" aria-current="page"><strong>${label}</strong></a> ` : html`<a href="${href}">${label}</a> `))}
    </nav>
    ${options.body}`;
  return renderPage({ title: options.title, body, username: options.username, csrf: options.csrf, flash: options.flash });
}

/** A setting name or factor id as a safe, selector-friendly element id. */
export function fieldId(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^a-z0-9_-]/gi, '-')}`;
}
