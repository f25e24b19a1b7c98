function separator(c) {
  if (c < 128) return c === 32 || c === 45 || c === 46 || c === 47 || c === 43 || c === 95 || (c >= 9 && c <= 13);
  return c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || (c >= 0x2010 && c <= 0x2015) || c === 0x202f || c === 0x205f || c === 0x2212 || c === 0x3000;
}

const hex = (c) => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

/** The width of a separator URL-encoded (`%C2%A0` is two) or written as a JSON escape (`\u00a0`) at `i`, or 0. */
function escapedAt(text, i) {
  const c = text.charCodeAt(i);
  if (c === 37 && hex(text.charCodeAt(i + 1)) && hex(text.charCodeAt(i + 2))) return 3;
  if (c === 92 && text.charCodeAt(i + 1) === 117 && hex(text.charCodeAt(i + 2)) && hex(text.charCodeAt(i + 3)) && hex(text.charCodeAt(i + 4)) && hex(text.charCodeAt(i + 5))) return 6;
  return 0;
}

/** Separators allowed between two digits of one grouped run (`4111 - 1111` has three). */
const MAX_GAP = 3;

/**
 * The card decoy written in groups anywhere in `text` — digits with up to three separators between
 * any two ({@link separator}, or one URL-encoded or JSON-escaped), mixed as they come
 * (`4111 1111-1111 1111`, `4111%C2%A01111…`) — as an index into `cards`, or -1. One pass over the
 * text and a map look-up per run of 16 digits or more: the cost does not grow with the number of decoys.
 */
function groupedCard(text, cards) {
  let digits = '';
  let gap = 0;
  let grouped = false;
  const end = () => {
    // A run without separators is the matcher's: it knows every card decoy as minted.
    if (grouped && digits.length >= 16) {
      for (let k = 0; k + 16 <= digits.length; k++) {
        const i = cards.get(digits.slice(k, k + 16));
        if (i !== undefined) return i;
      }
    }
    digits = '';
    grouped = false;
    return -1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (gap > 0) grouped = true;
      digits += text[i];
      gap = 0;
      continue;
    }
    if (digits.length === 0) continue;
    const width = separator(c) ? 1 : escapedAt(text, i);
    if (width > 0 && gap < MAX_GAP) {
      gap++;
      i += width - 1;
      continue;
    }
    const found = end();
    if (found !== -1) return found;
    gap = 0;
  }
  return end();
}

const cards = new Map([['4111111111111111', 0]]);
const big = ('1 2 3 4 5 6 7 8 9 10 11 12 x').repeat(100000);
const json = JSON.stringify({ id: 'ord_123', items: Array.from({length: 10}, (_, i) => ({ sku: 'SKU-' + i, qty: i, price: 12.5 * i, note: 'delivered on 2024-01-0' + i })), phone: '+1 415 555 0123', addr: '1 Main St' });
for (const [name, t, n] of [['adversarial 2.8MB', big, 5], ['json ' + json.length + 'B', json, 200000]]) {
  for (let r = 0; r < 3; r++) { const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) groupedCard(t, cards); const ns = Number(process.hrtime.bigint() - t0) / n; console.log(name, (ns / t.length).toFixed(2), 'ns/char', (ns/1000).toFixed(2), 'us/call'); }
}
