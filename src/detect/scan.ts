// The detectors as a text filter, for values no tag covers: strings that could hold no finding are passed through at once.
import { redactText, type RedactTextOptions } from './detect.js';

/** What every finding needs at least one of: a digit, "@", ":", "%", or a credential's marker word. */
const MAY_HOLD = /[\d@:%]|eyJ|PRIVATE KEY|A[KS]IA|bearer|basic|token|key|secret|pass|pwd/i;

/**
 * A function that returns a text with what the detectors find in it masked. Texts shorter than
 * six characters, and texts with none of the characters any finding needs, are returned as they are.
 */
export function scanner(options: RedactTextOptions = {}): (text: string) => string {
  return function scanText(text) {
    return text.length >= 6 && MAY_HOLD.test(text) ? redactText(text, options) : text;
  };
}

/** The scanner every `untagged: 'scan'` plan uses unless told otherwise: every detector, each kind's mask format. */
export const defaultScan: (text: string) => string = scanner();
