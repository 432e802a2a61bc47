import type { DisplayBlock } from '../../../plugin/spi/factorPresentation.ts';
import { html } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { type DrawnQrCodes, renderBlocks } from './displayBlocks.ts';
import { assetPath } from './factorView.ts';

export interface FactorRoutePageModel {
  csrf: string;
  siteName: string;
  factorId: string;
  page: { title: string; blocks: readonly DisplayBlock[]; script?: string; manifest?: string };
  qr: DrawnQrCodes;
}

/** A page a factor serves of its own (the "This wasn't me" page, push's device page), in the site's layout. */
export function renderFactorRoutePage(model: FactorRoutePageModel): string {
  const { page, factorId } = model;
  const body = html`<h1>${page.title}</h1>
    ${renderBlocks(page.blocks, { csrf: model.csrf, siteName: model.siteName, qr: model.qr })}
    ${page.script ? html`<script src="${assetPath(factorId, page.script)}" defer></script>` : ''}`;
  return renderPage({ title: page.title, body, head: page.manifest ? html`<link rel="manifest" href="${assetPath(factorId, page.manifest)}">` : undefined });
}
