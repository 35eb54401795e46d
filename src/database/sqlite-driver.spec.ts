import { describe, expect, it } from '@jest/globals';
import { sqliteDriver } from './sqlite-driver.js';

const nodeMajor = Number(process.versions.node.split('.')[0]);

describe('sqliteDriver', () => {
  // better-sqlite3 12 aborts Node 24 when V8 collects a statement; 13 (Node-API) does not.
  it('runs the Node-API build on Node 22 and later, and better-sqlite3 12 only on Node 20', () => {
    expect(sqliteDriver().packageName).toBe(
      nodeMajor >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3',
    );
  });

  it('opens a database that answers', () => {
    const db = new (sqliteDriver().Database)(':memory:');
    try {
      expect(db.prepare('select 1 + 1 as two').get()).toEqual({ two: 2 });
    } finally {
      db.close();
    }
  });
});
