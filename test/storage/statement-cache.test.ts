import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cachingStatements } from '../../src/server/storage/statement-cache';

describe('prepared statements kept for SQLite', () => {
  it('prepares a query text once and reuses it; the least recently used goes when full', () => {
    const raw = new Sqlite(':memory:');
    let prepared = 0;
    const counting = { prepare: (sql: string) => (prepared++, raw.prepare(sql)), close: () => raw.close() };
    const db = cachingStatements(counting, 2);
    db.prepare('create table t (x integer)').run([]);
    const insert = db.prepare('insert into t (x) values (?)');
    insert.run([1]);
    expect(db.prepare('insert into t (x) values (?)')).toBe(insert);
    db.prepare('insert into t (x) values (?)').run([2]);
    expect(db.prepare('select x from t order by x').all([])).toEqual([{ x: 1 }, { x: 2 }]);
    expect(prepared).toBe(3);
    // Full (2): the insert was used before the select, so the insert goes first.
    db.prepare('select count(*) as n from t');
    expect(prepared).toBe(4);
    db.prepare('select x from t order by x');
    expect(prepared).toBe(4);
    expect(db.prepare('insert into t (x) values (?)')).not.toBe(insert);
    expect(prepared).toBe(5);
    db.close();
    expect(raw.open).toBe(false);
  });
});
