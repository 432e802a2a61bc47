import { chooseCodeFactor, type CodeFactors } from '../../../plugin/engine/codeFactors.ts';
import { refusal, type RetryFields, type TokenDoorRefusal } from './tokenDoorErrors.ts';

/**
 * The engine's choice of code factor (`chooseCodeFactor`) in Moodle's words. An
 * unusable choice is refused before anything is counted.
 */
export function chooseFactor(factors: CodeFactors, requested: string | undefined, retry: RetryFields): { factorId: string } | TokenDoorRefusal {
  const choice = chooseCodeFactor(factors, requested);
  if ('factorId' in choice) return choice;
  const ids = factors.usable.map((f) => f.id).join(', ');
  switch (choice.refused) {
    case 'locked':
      return refusal('mfalocked', `${choice.factor.displayName} is locked after too many wrong tries.${ids ? ` Use another: ${ids}.` : ''}`, factors.usable.length ? retry : {});
    case 'all_locked':
      return refusal('mfalocked', 'Every way of verifying from the app is locked after too many wrong tries. Ask an administrator to unlock it.');
    case 'unavailable':
      return refusal('mfafactorunavailable', ids ? `mfa_factor must be one of: ${ids}.` : 'No way of verifying works from the app for this account.', retry);
    case 'ambiguous':
      return refusal('mfafactorrequired', `Say which way you verify: send mfa_factor, one of: ${ids}.`, retry);
  }
}
