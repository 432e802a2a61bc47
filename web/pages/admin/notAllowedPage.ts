import { html } from '../../html.ts';
import { renderPage } from '../../layout.ts';

/** The answer to a logged-in user who is not an administrator: the site's shell, what happened, a way out. */
export function renderNotAllowedPage(model: { username: string; csrf: string }): string {
  const body = html`<h1>Not allowed</h1>
    <p role="alert">Only site administrators can open this page.</p>
    <p><a href="/">Back to the start page</a></p>`;
  return renderPage({ title: 'Not allowed', body, username: model.username, csrf: model.csrf });
}
