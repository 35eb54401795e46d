import pino from 'pino';
import { createChannel } from './channel-factory.js';
import { DEFAULT_CHANNEL_HTTP } from './channel-http.js';
import type { ChannelSettings } from './channels-file.js';

/** Whom a channel reaches alone decides whether a page may carry an expert's accept link. */
const logger = pino({ level: 'silent' });
const http = DEFAULT_CHANNEL_HTTP;
const withEverything = {
  id: 'erika',
  displayName: 'Erika',
  channels: {
    dingtalk: { mobile: '13800000001' },
    chatMessenger: { email: 'erika@acme.example' },
    ringcentral: { personId: '111' },
  },
};
const SETTINGS: [string, ChannelSettings, boolean][] = [
  [
    'a CAM direct channel',
    { id: 'd', vendor: 'chatMessenger', serverUrl: 'http://127.0.0.1:9/api', apiToken: 't', http },
    true,
  ],
  [
    'a CAM room',
    {
      id: 'r',
      vendor: 'chatMessenger',
      serverUrl: 'http://127.0.0.1:9/api',
      apiToken: 't',
      room: 'Maintenance',
      http,
    },
    false,
  ],
  [
    'a DingTalk robot (its group reads every page)',
    {
      id: 'g',
      vendor: 'dingtalk',
      webhookUrl: 'https://127.0.0.1:9/robot/send?access_token=x',
      style: 'markdown',
      http,
    },
    false,
  ],
  [
    'a RingCentral app chat (guests may read it)',
    {
      id: 'a',
      vendor: 'ringcentral',
      mode: 'app',
      serverUrl: 'https://127.0.0.1:9',
      clientId: 'c',
      clientSecret: 's',
      jwt: 'j',
      chatId: '42',
      http,
    },
    false,
  ],
  [
    'a RingCentral webhook',
    {
      id: 'w',
      vendor: 'ringcentral',
      mode: 'webhook',
      webhookUrl: 'https://127.0.0.1:9/webhook/v2/x',
      http,
    },
    false,
  ],
  [
    'a Teams channel',
    { id: 't', vendor: 'teams', webhookUrl: 'https://127.0.0.1:9/workflows/x?sig=s', http },
    false,
  ],
];

describe('which channels reach one person alone', () => {
  it.each(SETTINGS)('%s', async (_name, settings, alone) => {
    const channel = createChannel(settings, logger);
    expect(channel.reachesAlone(withEverything)).toBe(alone);
    // Nobody the channel cannot address is reached alone, whatever the channel.
    expect(channel.reachesAlone({ id: 'max', displayName: 'Max' })).toBe(false);
    await channel.close();
  });
});
