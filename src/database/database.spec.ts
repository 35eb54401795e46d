import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareDatabase } from './database.js';

const failureOf = (url: string) =>
  prepareDatabase(url).then(
    async (db) => (await db.destroy(), 'prepared'),
    (error: Error) => `${error.name}: ${error.message}`,
  );

describe('prepareDatabase', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'db-spec-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the folder and migrates a new SQLite file', async () => {
    expect(await failureOf(`sqlite:${join(dir, 'a', 'b', 'broker.db')}`)).toBe('prepared');
  });

  it('names DATABASE_URL and what to do when the SQLite file cannot be opened', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(await failureOf(`sqlite:${join(file, 'broker.db')}`)).toMatch(
      /^DatabaseError: DATABASE_URL sqlite:.*a-file\/broker.db cannot be opened \(.*\); point it at a file in a folder this process may write$/,
    );
  });

  it('says an unreachable server cannot be reached, without the password', async () => {
    const message = await failureOf('postgres://broker:hunter2@127.0.0.1:1/broker');
    expect(message).toMatch(
      /^DatabaseError: DATABASE_URL postgres:\/\/broker:\*\*\*@127.0.0.1:1\/broker cannot be reached \(.*ECONNREFUSED.*\); start the database server or correct DATABASE_URL$/,
    );
    expect(message).not.toContain('hunter2');
  });
});
