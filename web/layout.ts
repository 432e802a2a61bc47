import { html, type SafeHtml } from './html.ts';
import { pageAssetPath } from './pageAssets.ts';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Shown in the header; with a CSRF token, a Log out button too. */
  username?: string;
  csrf?: string;
  siteName?: string;
  flash?: string;
  /** More for <head> (a web app manifest link). */
  head?: SafeHtml;
}

/** The page shell: readable on a phone, a skip link, no external fonts or scripts. */
export function renderPage(options: PageOptions): string {
  const site = options.siteName ?? 'mfa-bridge demo LMS';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · ${site}</title>
<link rel="stylesheet" href="${pageAssetPath('site.css')}">
${options.head ?? ''}
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header"><a class="site-name" href="/">${site}</a>
${
  options.username
    ? html`<nav aria-label="Account"><a href="/my">My page</a> <a href="/user/security">Security</a>
      ${options.csrf ? html`<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${options.csrf}"><button type="submit" class="link">Log out</button></form>` : ''}</nav>`
    : ''
}
</header>
<main id="main">
${options.flash ? html`<p class="flash" role="status">${options.flash}</p>` : ''}
${options.body}
</main>
</body>
</html>`.value;
}
