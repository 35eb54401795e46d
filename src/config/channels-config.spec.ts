import { loadConfig } from './app-config.js';

describe('channels configuration', () => {
  it('reads only the path of CHANNELS_FILE; unset or blank means no channel', () => {
    expect(loadConfig({}).channelsFile).toBeUndefined();
    expect(loadConfig({ CHANNELS_FILE: '  ' }).channelsFile).toBeUndefined();
    expect(loadConfig({ CHANNELS_FILE: ' ./channels.json ' }).channelsFile).toBe('./channels.json');
  });

  it('does not make a demo start a production one', () => {
    expect(loadConfig({ CHANNELS_FILE: './channels.json' }).demoMode).toBe(true);
  });
});
