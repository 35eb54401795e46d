import { ChannelsFileError } from './channels-file.js';
import { parseChannelsDocument } from './channels-document.js';

const teams = { id: 'hook', type: 'teams', webhookUrl: 'https://example.invalid/x?sig=1' };
const linesOf = (input: unknown): string[] => {
  try {
    parseChannelsDocument(input, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelsFileError);
    return (error as Error).message.split('\n');
  }
  throw new Error('no error');
};

describe('paging rules in the channels file', () => {
  it('reads rules per queue and channel; no "paging" means no rules', () => {
    expect(parseChannelsDocument({ channels: [teams] }, {}).rules).toEqual([]);
    const rules = [
      { queue: 'pumps', channel: 'hook', on: ['queued', 'escalated'] },
      { queue: '*', channel: 'hook', on: ['unanswered', 'missed', 'ended'] },
    ];
    expect(parseChannelsDocument({ channels: [teams], paging: { rules } }, {}).rules).toEqual(
      rules,
    );
  });

  it('reports one line per mistake, with the channels part', () => {
    expect(
      linesOf({
        channels: [teams, { id: 'x', type: 'fax' }],
        paging: {
          rules: [
            { queue: 'pumps', channel: 'nope', on: ['queued'] },
            { queue: 'a b', channel: 'hook', on: ['rang'], extra: 1 },
            { queue: 'pumps', channel: 'hook', on: [] },
            'queued',
          ],
          when: 'always',
        },
      }),
    ).toEqual([
      'channel "x": "type" is "fax"; use one of dingtalk, chatMessenger, ringcentral, teams',
      'paging: unknown field "when" (known: rules)',
      'paging.rules[0]: "channel" is "nope", which is no channel above',
      'paging.rules[1]: unknown field "extra" (known: queue, channel, on)',
      'paging.rules[1]: "queue" must be a queue id or "*" (any call)',
      'paging.rules[1]: "on" names "rang"; use queued, escalated, unanswered, missed, ended',
      'paging.rules[2]: "on" must be a non-empty array of queued, escalated, unanswered, missed, ended',
      'paging.rules[3]: must be an object',
    ]);
    expect(linesOf({ channels: [teams], paging: [] })).toEqual([
      '"paging" must be an object with a "rules" array',
    ]);
  });
});
