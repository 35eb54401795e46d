import { meetingUrlOf } from './chat-messenger.channel.js';

describe("createQuickCall's answer (its shape is undocumented)", () => {
  it('takes the body when it is a URL, or the first URL among a JSON answer’s values', () => {
    expect(meetingUrlOf(' https://cam.example/q/1 \n')).toBe('https://cam.example/q/1');
    expect(meetingUrlOf('{"result":"ok","data":{"url":"https://cam.example/q/2"}}')).toBe(
      'https://cam.example/q/2',
    );
    expect(meetingUrlOf('["note", {"link": "http://10.0.0.5:8080/q/3"}]')).toBe(
      'http://10.0.0.5:8080/q/3',
    );
  });

  it('finds none in an answer without a URL, rather than guessing', () => {
    expect(meetingUrlOf('')).toBeUndefined();
    expect(meetingUrlOf('ok')).toBeUndefined();
    expect(meetingUrlOf('{"result":"ok","data":{"id":42}}')).toBeUndefined();
    expect(meetingUrlOf('{"url":"javascript:alert(1)"}')).toBeUndefined();
  });
});
