/**
 * Errors the request itself caused, told apart by what raised them (not by "has a string
 * `code`", which database drivers and zlib both have):
 *
 * - an HTTP error from the stack (body-parser, serve-static/send, the router): it carries
 *   its own 4xx `status` (http-errors), e.g. 403 for `/assets/../x`, 400 for `/assets/%00`;
 * - a route parameter that is not valid percent-encoding: the router's URIError;
 * - a compressed body that does not decompress: zlib's and Brotli's stream errors
 *   (Node's zlib error codes: `Z_DATA_ERROR`, `Z_BUF_ERROR`, `ERR__ERROR_FORMAT_…`).
 */
export type RequestErrorKind = 'unreadable_body' | 'bad_path' | 'not_found' | 'too_large' | 'refused';

export interface RequestError {
  status: number;
  kind: RequestErrorKind;
}

const ZLIB_ERROR_CODE = /^(Z_[A-Z_]+|ERR__ERROR_[A-Z0-9_]+|ERR_BROTLI_[A-Z0-9_]+)$/;

function isDecompressionError(error: Error): boolean {
  const { code, errno } = error as Error & { code?: unknown; errno?: unknown };
  return typeof code === 'string' && typeof errno === 'number' && ZLIB_ERROR_CODE.test(code);
}

/** The client's mistake this error stands for, with the 4xx to answer, or null when it is ours. */
export function requestErrorOf(error: unknown): RequestError | null {
  if (!(error instanceof Error)) return null;
  if (isDecompressionError(error)) return { status: 400, kind: 'unreadable_body' };
  const { status, statusCode, type } = error as Error & { status?: unknown; statusCode?: unknown; type?: unknown };
  const given = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : null;
  if (error instanceof URIError) return { status: 400, kind: 'bad_path' };
  if (given === null || given < 400 || given > 499) return null;
  if (given === 413) return { status: 413, kind: 'too_large' };
  // body-parser's errors name their kind (entity.parse.failed, encoding.unsupported, ...).
  if (typeof type === 'string') return { status: given, kind: 'unreadable_body' };
  if (given === 404 || given === 403) return { status: 404, kind: 'not_found' };
  if (given === 400) return { status: 400, kind: 'bad_path' };
  return { status: given, kind: 'refused' };
}

/** What each kind tells the person who sent the request. */
export const REQUEST_ERROR_MESSAGES: Record<RequestErrorKind, string> = {
  unreadable_body: 'The request body could not be read. Send a well-formed form or JSON body (and a Content-Encoding that matches it).',
  bad_path: 'This address is not valid: check it for a stray % or other characters that do not belong in a link.',
  not_found: 'There is nothing at this address.',
  too_large: 'The request is too large.',
  refused: 'This request cannot be answered.',
};
