/**
 * `qrCodeSvg` from `mfa-bridge/express` (issue 21): a host's own TOTP set-up page draws the
 * otpauth URI with it. The drawing is read back here, module by module, and held to the QR
 * code of that very text: a helper that drew something else (another text, a blank square)
 * fails. The web door's set-up pages draw with the same function (displayBlocks.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import QRCode from 'qrcode';
import { qrCodeSvg } from '../../adapters/express.ts';
import { drawQrCodes } from '../../web/pages/mfa/displayBlocks.ts';

const URI = 'otpauth://totp/Members%20club:ada?secret=JBSWY3DPEHPK3PXP&issuer=Members%20club&algorithm=SHA1&digits=6&period=30';

/** The dark modules of the SVG qrcode draws: one path of horizontal runs (`M x y` / `m dx dy`, then `h n`), one module quiet zone. */
function modulesOf(svg: string): { size: number; dark: Set<string> } {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  assert.ok(viewBox, 'an SVG with a square viewBox');
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1];
  assert.ok(path, 'a path of dark modules');
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, command, a, b] of path.matchAll(/([MmHh])([\d.-]+)(?:[ ,]([\d.-]+))?/g)) {
    if (command === 'M') [x, y] = [Number(a), Number(b)];
    else if (command === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else {
      for (let i = 0; i < Number(a); i++) dark.add(`${x + i - 1},${Math.floor(y) - 1}`);
      x += Number(a);
    }
  }
  return { size: Number(viewBox[1]) - 2, dark };
}

function expectedModules(text: string): { size: number; dark: Set<string> } {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const dark = new Set<string>();
  for (let row = 0; row < modules.size; row++) for (let col = 0; col < modules.size; col++) if (modules.get(row, col)) dark.add(`${col},${row}`);
  return { size: modules.size, dark };
}

describe('qrCodeSvg: a host draws an otpauth URI as a QR code', () => {
  it('draws exactly the QR code of the text it is given', async () => {
    const svg = await qrCodeSvg(URI);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.doesNotMatch(svg, /<script|on\w+=/i, 'nothing that runs');
    assert.deepEqual(modulesOf(svg), expectedModules(URI));
    assert.notDeepEqual(modulesOf(await qrCodeSvg(`${URI}x`)).dark, expectedModules(URI).dark, 'another text, another drawing');
  });

  it('is the drawing the web door’s set-up pages show (one helper, not two)', async () => {
    const drawn = await drawQrCodes([{ kind: 'qr', value: URI, alt: 'QR code' }]);
    assert.equal(drawn.get(URI), await qrCodeSvg(URI));
  });

  it('refuses to draw nothing, saying what it needs', async () => {
    await assert.rejects(qrCodeSvg(''), /needs the text to encode/);
  });
});
