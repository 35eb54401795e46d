import { textProblem } from './text-rules.js';

describe('textProblem', () => {
  it.each([
    ['a lone high surrogate', 'a\ud800b', 'U+D800'],
    ['a lone low surrogate', 'a\udc00b', 'U+DC00'],
    ['a high surrogate at the end', 'Pump 7\udbff', 'U+DBFF'],
    ['two high surrogates in a row', '\ud83d\ud83d', 'U+D83D'],
  ])('refuses %s', (_name, value, codePoint) => {
    expect(textProblem(value)).toBe(`must not contain unpaired UTF-16 surrogates (${codePoint})`);
  });

  it('accepts paired surrogates (emoji, astral script)', () => {
    expect(textProblem('Pump 7 🔧 𝔸')).toBeUndefined();
  });
});
