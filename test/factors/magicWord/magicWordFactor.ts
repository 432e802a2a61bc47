import { MfaError } from '../../../plugin/errors.ts';
import type { AttemptView, FactorContext, FactorDevice, FactorProvider, FactorProviderFactory, VerifyOutcome } from '../../../plugin/spi/factor.ts';
import type { FactorPresentation } from '../../../plugin/spi/factorPresentation.ts';
import type { FactorRecord, FactorStorage } from '../../../plugin/spi/factorStorage.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';

/**
 * A drop-in factor defined in test/, never in plugin/: a word the user chooses, typed at
 * login. It is a folder and nothing else: its settings, copy, card, set-up step and prompt
 * are declared here, its data goes through the engine's storage API, and no core or door
 * file knows its id. (A word is no real second factor; it only has to exercise the SPI.)
 */
export const MAGIC_WORD_FACTOR_ID = 'magic_word';

interface MagicWordData {
  /** HMAC of the word, keyed by the server key and bound to the user: never the word. */
  hash: string | null;
}

export interface MagicWordSetup {
  setupId: number;
  minLength: number;
}

function storageOf(context: FactorContext): FactorStorage<MagicWordData> {
  if (!context.storage) throw new Error('magic_word needs the engine’s factor storage (FactorContext.storage)');
  return context.storage as FactorStorage<MagicWordData>;
}

/** The word's keyed hash, under the factor's own subkey (FactorContext.keyedHash): never the word itself. */
function wordHash(context: FactorContext) {
  return context.keyedHash('magic-word/word');
}

function wordParts(userId: string, word: string): string[] {
  return [userId, word.trim().toLowerCase()];
}

function toDevice(record: FactorRecord<MagicWordData>): FactorDevice {
  return { id: record.id, factor: MAGIC_WORD_FACTOR_ID, label: record.label, createdAt: record.createdAt, lastUsedAt: record.lastUsedAt };
}

class MagicWordProvider implements FactorProvider {
  constructor(private readonly context: FactorContext) {}

  private get records() {
    return storageOf(this.context).records;
  }

  private minLength(): number {
    return this.context.settings.integer(`factor.${MAGIC_WORD_FACTOR_ID}.min_length`);
  }

  async configuredFor(user: HostUser): Promise<boolean> {
    return (await this.records.list(user.id, 'confirmed')).length > 0;
  }

  async state(): Promise<'unknown'> {
    return 'unknown';
  }

  async verify(_attempt: AttemptView, user: HostUser, input: Record<string, unknown>): Promise<VerifyOutcome> {
    if (typeof input.code !== 'string' || input.code.trim() === '') throw new MfaError('INVALID_INPUT', 'Type your magic word.', { field: 'code' });
    const hash = wordHash(this.context);
    for (const record of await this.records.list(user.id, 'confirmed')) {
      if (record.data.hash && hash.matches(record.data.hash, wordParts(user.id, input.code))) {
        await this.records.update(record, { lastUsedAt: this.context.now() });
        return { verified: true, deviceId: record.id };
      }
    }
    return { verified: false, reason: 'invalid', message: 'That is not your magic word.' };
  }

  async listDevices(user: HostUser): Promise<FactorDevice[]> {
    return (await this.records.list(user.id, 'confirmed')).map(toDevice);
  }

  async revoke(user: HostUser, deviceId: number): Promise<boolean> {
    return this.records.remove(user.id, deviceId);
  }

  async beginSetup(user: HostUser, input: Record<string, unknown>): Promise<MagicWordSetup> {
    const record = await this.records.insert(user.id, { label: 'Magic word', data: { hash: null }, createdFromIp: typeof input.ip === 'string' ? input.ip : null });
    return { setupId: record.id, minLength: this.minLength() };
  }

  async resumeSetup(user: HostUser, input: Record<string, unknown>): Promise<MagicWordSetup | null> {
    const record = await this.records.get(user.id, Number(input.setupId));
    return record && record.confirmedAt === null ? { setupId: record.id, minLength: this.minLength() } : null;
  }

  async confirmSetup(user: HostUser, input: Record<string, unknown>): Promise<FactorDevice> {
    const record = await this.records.get(user.id, Number(input.setupId));
    if (!record || record.confirmedAt !== null) throw new MfaError('SETUP_EXPIRED', 'This set-up is over. Start again.');
    const word = typeof input.code === 'string' ? input.code.trim() : '';
    if (word.length < this.minLength()) throw new MfaError('INVALID_INPUT', `Choose a word of at least ${this.minLength()} letters.`, { field: 'code' });
    if (!(await this.records.update(record, { data: { hash: wordHash(this.context).digest(wordParts(user.id, word)) }, confirmed: true }))) {
      throw new MfaError('SETUP_EXPIRED', 'This set-up changed meanwhile. Start again.');
    }
    return { ...toDevice(record), lastUsedAt: null };
  }
}

const presentation: FactorPresentation<MagicWordSetup> = {
  prompt: { kind: 'code', label: 'Your magic word', hint: 'Type the word you chose on your security page.', inputMode: 'text', maxLength: 64 },
  card: { title: 'A magic word', text: 'Choose a word to type after your password.', button: 'Choose a magic word' },
  presentSetup: (setup) => ({
    title: 'Choose your magic word',
    blocks: [{ kind: 'text', text: `Choose a word of at least ${setup.minLength} letters that only you know.` }],
    confirm: { kind: 'code', label: 'Your new magic word', hint: 'You will type it after your password.', inputMode: 'text' },
    carry: { setupId: String(setup.setupId) },
  }),
};

export const magicWordFactor: FactorProviderFactory<MagicWordSetup> = {
  id: MAGIC_WORD_FACTOR_ID,
  displayName: 'Magic word',
  referenceCategory: 'knowledge',
  requiresInput: true,
  userSetupAllowed: true,
  capabilities: { requiresInput: true, sendsChallenge: false, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: true },
  copy: {
    displayName: 'Magic word',
    addedMessage: 'Your magic word is set. Type it after your password from now on.',
    removedMessage: 'Your magic word is gone.',
  },
  settings: [
    { name: 'enabled', section: `factor.${MAGIC_WORD_FACTOR_ID}`, type: 'boolean', default: true, label: 'Enabled', help: 'Users may choose a magic word.' },
    { name: 'weight', section: `factor.${MAGIC_WORD_FACTOR_ID}`, type: 'integer', default: 100, min: 0, max: 100, label: 'Weight', help: 'Points a magic word counts toward 100.' },
    { name: 'min_length', section: `factor.${MAGIC_WORD_FACTOR_ID}`, type: 'integer', default: 5, min: 3, max: 40, label: 'Shortest magic word', help: 'Letters a magic word needs at least.' },
  ],
  presentation,
  create: (context) => new MagicWordProvider(context),
};

/** What a configuration that names this folder (MFA_FACTORS) loads. */
export default magicWordFactor;
export const factors = [magicWordFactor];
