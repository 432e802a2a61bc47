import { html } from '../../html.ts';
import { renderPage } from '../../layout.ts';

export interface RecentMfaPageModel {
  csrf: string;
  username: string;
  minutes: number;
  /** Where to come back to after verifying (a same-origin path). */
  returnTo: string;
}

/** The answer to a security change asked for too long after the last MFA pass: why, and one button to verify again. */
export function renderRecentMfaPage(model: RecentMfaPageModel): string {
  const body = html`
    <h1>Verify it’s you first</h1>
    <p id="recent-mfa-why" role="alert">Changes to how you sign in need a second-factor check from the last ${model.minutes} minutes.
      Yours is older, so confirm it’s you again; then you are back on your security page to make the change.</p>
    <form method="post" action="/user/security/confirm" class="card">
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <input type="hidden" name="returnTo" value="${model.returnTo}">
      <button type="submit" aria-describedby="recent-mfa-why">Verify it’s you</button>
    </form>
    <p><a href="/user/security">Back to Security</a></p>`;
  return renderPage({ title: 'Verify it’s you first', body, username: model.username, csrf: model.csrf });
}
