import type { DisplayBlock } from '../../../plugin/spi/factorPresentation.ts';
import { html, raw, type SafeHtml } from '../../html.ts';
import { pageAssetPath } from '../../pageAssets.ts';
import { qrCodeSvg } from '../../qrCodeSvg.ts';

/** QR codes of the blocks, drawn on this server (never by a chart service: the value may be a secret), value → SVG. */
export type DrawnQrCodes = ReadonlyMap<string, string>;

export async function drawQrCodes(blocks: readonly DisplayBlock[]): Promise<DrawnQrCodes> {
  const drawn = new Map<string, string>();
  for (const block of blocks) {
    if (block.kind === 'qr' && !drawn.has(block.value)) {
      drawn.set(block.value, await qrCodeSvg(block.value));
    }
  }
  return drawn;
}

export interface BlockContext {
  csrf: string;
  siteName: string;
  qr: DrawnQrCodes;
}

/** The codes as a text file, made here as a data: URL: nothing leaves the page for a download service. */
function downloadHref(title: string, codes: readonly string[]): string {
  const text = [title, 'Each code works once. Keep them somewhere safe.', '', ...codes, ''].join('\n');
  return `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
}

function renderBlock(block: DisplayBlock, context: BlockContext): SafeHtml {
  switch (block.kind) {
    case 'text':
      return html`<p>${block.text}</p>`;
    case 'qr':
      return html`<div class="qr" role="img" aria-label="${block.alt}">${raw(context.qr.get(block.value) ?? '')}</div>`;
    case 'secret':
      return html`<p>${block.label}</p><p><code class="secret" data-testid="setup-secret">${block.value}</code></p>`;
    case 'codes':
      return html`<ol class="shown-codes" data-testid="shown-codes">${block.values.map((code) => html`<li><code>${code}</code></li>`)}</ol>
        <p>
          <button type="button" class="secondary" id="copy-codes" data-codes="${block.values.join('\n')}">Copy</button>
          ${
            block.download
              ? html`<a class="button secondary" download="${block.download.filename}" href="${downloadHref(`${block.download.title} for ${context.siteName}`, block.values)}">Download as a text file</a>`
              : ''
          }
        </p>
        <script src="${pageAssetPath('copyCodes.js')}" defer></script>`;
    case 'number':
      return html`<p class="match-number">${block.label} <strong data-testid="match-number">${block.value}</strong></p>`;
    case 'action':
      return html`<form method="post" action="${block.path}" class="card">
        <input type="hidden" name="_csrf" value="${context.csrf}">
        ${Object.entries(block.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
        <button type="submit">${block.button}</button>
      </form>`;
  }
}

/** A factor's blocks, in order, as HTML: every value escaped; only QR SVGs drawn here go in as they are. */
export function renderBlocks(blocks: readonly DisplayBlock[], context: BlockContext): SafeHtml {
  return html`${blocks.map((block) => renderBlock(block, context))}`;
}
