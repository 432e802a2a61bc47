import assert from 'node:assert/strict';
import { isMfaError, type MfaError } from '../../plugin/errors.ts';

async function mfaErrorFrom(promise: Promise<unknown>, code: string): Promise<MfaError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isMfaError(error), `expected an MfaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

/** Awaits a promise that must reject with MfaError `code`; returns its message and details. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  const error = await mfaErrorFrom(promise, code);
  return { message: error.message, ...error.details };
}

/** The same check, returning only the message a person would read. */
export async function rejectionMessage(promise: Promise<unknown>, code: string): Promise<string> {
  return (await mfaErrorFrom(promise, code)).message;
}
