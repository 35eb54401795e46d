import { COLUMN_LIMITS } from '../database/schema.js';
import { boundXAssistEvent, MAX_EVENT_JSON_CHARS, seenKeyOf } from './xassist-event-bounds.js';

describe('boundXAssistEvent', () => {
  it('leaves an ordinary event exactly as xAssist sent it', () => {
    const event = { id: 601, type: 'Chat', comment: 'on my way', extra: { nested: [1, 2] } };
    expect(boundXAssistEvent(event)).toEqual({ type: 'xassist.Chat', payload: event });
  });

  it('cuts a type to what call_events.type holds, keeps the raw type and says so', () => {
    const type = `Long${'T'.repeat(300)}`;
    const { type: stored, payload } = boundXAssistEvent({ id: 1, type });
    expect(Array.from(stored)).toHaveLength(COLUMN_LIMITS.callEventType);
    expect(stored.endsWith('…')).toBe(true);
    expect(payload).toEqual({ id: 1, type, brokerNote: 'type cut to 120 characters' });
  });

  it('counts characters as PostgreSQL does, never splitting a surrogate pair', () => {
    const { type } = boundXAssistEvent({ id: 1, type: '😀'.repeat(200) });
    expect(Array.from(type)).toHaveLength(COLUMN_LIMITS.callEventType);
    expect(type).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('replaces NUL and other control characters in the type', () => {
    const { type, payload } = boundXAssistEvent({ id: 1, type: 'Nul\u0000Ty\npe' });
    expect(type).toBe('xassist.Nul\uFFFDTy\uFFFDpe');
    expect(payload).toMatchObject({ type: 'Nul\u0000Ty\npe', brokerNote: expect.any(String) });
  });

  it('turns a type that is not text into text', () => {
    expect(boundXAssistEvent({ id: 1, type: { odd: true } }).type).toBe('xassist.{"odd":true}');
    expect(boundXAssistEvent({ id: 1, type: undefined }).type).toBe('xassist.undefined');
  });

  it('cuts a huge event and keeps its beginning as raw JSON', () => {
    const event = { id: 7, type: 'Chat', time: 't', comment: 'x'.repeat(100_000) };
    const { payload } = boundXAssistEvent(event);
    expect(payload).toMatchObject({
      id: 7,
      type: 'Chat',
      time: 't',
      brokerNote: expect.stringMatching(/cut to 16384 characters/),
    });
    expect(payload.raw).toBe(JSON.stringify(event).slice(0, MAX_EVENT_JSON_CHARS));
    expect(JSON.stringify(payload).length).toBeLessThan(MAX_EVENT_JSON_CHARS + 500);
  });
});

describe('seenKeyOf', () => {
  it('is the id as text when it fits', () => {
    expect(seenKeyOf(601)).toBe('601');
    expect(seenKeyOf('601')).toBe('601');
    expect(seenKeyOf('a'.repeat(64))).toBe('a'.repeat(64));
  });

  it('is a short hash for an id too long or holding control characters, distinct per id', () => {
    const a = seenKeyOf('i'.repeat(300));
    const b = seenKeyOf(`${'i'.repeat(299)}j`);
    const nul = seenKeyOf('6\u00001');
    for (const key of [a, b, nul]) {
      expect(key).toMatch(/^sha256:[0-9a-f]{56}$/);
      expect(key.length).toBeLessThanOrEqual(COLUMN_LIMITS.xassistEventId);
    }
    expect(new Set([a, b, nul]).size).toBe(3);
    expect(seenKeyOf('i'.repeat(300))).toBe(a);
  });
});
