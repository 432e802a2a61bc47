import QRCode from 'qrcode';

/**
 * `text` as a QR code, an SVG drawing (a one-module quiet zone, error correction M), drawn
 * on this server: never by a chart service, since the text may be a secret (an otpauth URI
 * carries the TOTP key). Put it in your set-up page as it is; it holds no script.
 *
 * @example
 * const setup = await mfa.account.beginSetup(caller, 'totp', { label: 'Authenticator app' });
 * res.send(`<div role="img" aria-label="QR code of your key">${await qrCodeSvg(setup.otpauthUri)}</div>`);
 */
export async function qrCodeSvg(text: string): Promise<string> {
  if (typeof text !== 'string' || text === '') throw new TypeError('qrCodeSvg needs the text to encode, such as a set-up’s otpauthUri.');
  return QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}
