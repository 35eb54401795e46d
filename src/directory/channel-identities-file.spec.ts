import { DirectoryError, parseDirectory } from './directory-file.js';
import { directoryFrom } from './directory.module.js';
import { withChannelIdentities } from './channel-identities-file.js';

const sam = { id: 'sam', displayName: 'Sam', roles: ['supervisor'] };
const withChannels = (channels: unknown) => {
  const file = {
    people: [sam, { id: 'sue', displayName: 'Sue', roles: ['supervisor'], channels }],
  };
  return withChannelIdentities(file, parseDirectory(file));
};
const mistakesOf = (channels: unknown): string[] => {
  try {
    withChannels(channels);
  } catch (error) {
    expect(error).toBeInstanceOf(DirectoryError);
    return (error as Error).message.split('\n');
  }
  throw new Error('expected a DirectoryError');
};

describe('channel identities in the directory file', () => {
  it('keeps every identity a person carries, and leaves people without them alone', () => {
    const [first, second] = withChannels({
      dingtalk: { userId: 'manager4711', mobile: '+86-13800000000' },
      chatMessenger: { email: 'sue@acme.example' },
      ringcentral: { personId: 'glip-12345678' },
    });
    expect(first.channels).toBeUndefined();
    expect(second.channels).toEqual({
      dingtalk: { userId: 'manager4711', mobile: '+86-13800000000' },
      chatMessenger: { email: 'sue@acme.example' },
      ringcentral: { personId: 'glip-12345678' },
    });
  });

  it('accepts a DingTalk identity with only a mobile', () => {
    expect(withChannels({ dingtalk: { mobile: '13800000000' } })[1].channels).toEqual({
      dingtalk: { userId: undefined, mobile: '13800000000' },
    });
  });

  it('names the person and the field, one line per mistake', () => {
    expect(
      mistakesOf({
        dingtalk: {},
        chatMessenger: { email: 'not an email' },
        ringcentral: { personId: 'abc' },
        slack: {},
      }),
    ).toEqual([
      'person "sue": "channels" has unknown field "slack" (known: dingtalk, chatMessenger, ringcentral)',
      'person "sue": "channels.dingtalk" needs "userId" or "mobile"',
      'person "sue": "channels.chatMessenger.email" must be an email address',
      'person "sue": "channels.ringcentral.personId" must be a RingCentral personId (digits, or glip-<digits> for a guest)',
    ]);
    expect(mistakesOf('dingtalk')).toEqual(['person "sue": "channels" must be an object']);
    expect(mistakesOf({ dingtalk: { mobile: 'call me', extra: 1 } })).toEqual([
      'person "sue": "channels.dingtalk" has unknown field "extra" (known: userId, mobile)',
      'person "sue": "channels.dingtalk.mobile" must be a mobile number',
    ]);
  });

  it('is part of loading a directory', () => {
    const directory = directoryFrom({
      people: [{ ...sam, channels: { chatMessenger: { email: 'sam@acme.example' } } }],
    });
    expect(directory.find('sam')?.channels).toEqual({
      chatMessenger: { email: 'sam@acme.example' },
    });
  });
});
