import { fileURLToPath } from 'node:url';

/** The files the pages of web/ load (their stylesheet, their small scripts), by name: what the web door serves. */
export const PAGE_ASSETS: Readonly<Record<string, string>> = Object.fromEntries(
  ['site.css', 'copyCodes.js', 'approvalWait.js', 'setupWait.js'].map((name) => [name, fileURLToPath(new URL(`./assets/${name}`, import.meta.url))]),
);

/**
 * Where a page asset is served: beside the factors' own files, under /mfa/assets (a name
 * with no folder, so it never meets `<factor id>/<name>`), so a host's own `/assets` stays its own.
 */
export function pageAssetPath(name: keyof typeof PAGE_ASSETS & string): string {
  return `/mfa/assets/${name}`;
}
