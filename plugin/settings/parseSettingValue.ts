import { MfaError } from '../errors.ts';
import type { SettingDefinition, SettingValue } from '../manifest/manifest.ts';
import { parseCidr } from '../net/cidr.ts';
import { exclusionRefusal } from './pathExclusions.ts';

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function invalid(definition: SettingDefinition, message: string): MfaError {
  return new MfaError('INVALID_SETTING', `${definition.label} (${definition.name}): ${message}`, { field: definition.name });
}

/** A list typed as text: one item per line or separated by commas; blanks dropped. */
function splitList(raw: unknown): string[] | null {
  if (Array.isArray(raw)) return raw.every((item) => typeof item === 'string') ? raw.map((s) => s.trim()).filter(Boolean) : null;
  if (typeof raw === 'string') return raw.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
  return null;
}

/**
 * Turns what a person typed (CLI argument, form field) or a stored JSON value into a
 * valid value of the setting, or throws INVALID_SETTING with a message saying what
 * is accepted.
 */
export function parseSettingValue(definition: SettingDefinition, raw: unknown): SettingValue {
  switch (definition.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const word = String(raw).trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw invalid(definition, `"${String(raw)}" is not accepted; use true or false.`);
    }
    case 'integer': {
      const text = typeof raw === 'number' ? String(raw) : String(raw).trim();
      if (!/^-?\d+$/.test(text)) throw invalid(definition, `"${String(raw)}" is not a whole number; use a number from ${definition.min} to ${definition.max}.`);
      const value = Number(text);
      if (value < definition.min || value > definition.max) {
        throw invalid(definition, `${value} is out of range; use a number from ${definition.min} to ${definition.max}.`);
      }
      return value;
    }
    case 'string': {
      if (typeof raw !== 'string') throw invalid(definition, 'must be text.');
      const max = definition.maxLength ?? 1000;
      if (raw.length > max) throw invalid(definition, `is ${raw.length} characters long; at most ${max} are accepted.`);
      const value = raw.trim();
      if (definition.pattern && !new RegExp(definition.pattern.regex).test(value)) throw invalid(definition, `"${value}" is not accepted; ${definition.pattern.explain}`);
      return value;
    }
    case 'select': {
      const text = String(raw).trim();
      if (!definition.options.includes(text)) {
        throw invalid(definition, `"${text}" is not one of the choices; use one of: ${definition.options.join(', ')}.`);
      }
      return text;
    }
    case 'list': {
      const items = splitList(raw);
      if (!items) throw invalid(definition, 'must be a list of text items, one per line.');
      if (items.length > 200) throw invalid(definition, `has ${items.length} items; at most 200 are accepted.`);
      if (definition.protectedPaths) {
        const refusals = items.map((item) => exclusionRefusal(item, definition.protectedPaths ?? [])).filter((r): r is string => r !== null);
        if (refusals.length > 0) throw invalid(definition, refusals.join(' '));
      }
      return items;
    }
    case 'cidr-list': {
      const items = splitList(raw);
      if (!items) throw invalid(definition, 'must be a list of networks, one per line.');
      const bad = items.filter((item) => parseCidr(item) === null);
      if (bad.length > 0) {
        throw invalid(definition, `${bad.map((b) => `"${b}"`).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not a network in CIDR form; write e.g. 192.0.2.0/24 or 2001:db8::/32.`);
      }
      return items;
    }
  }
}
