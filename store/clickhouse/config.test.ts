import { parseStoreUrl, redact, StoreUrlError } from './config';

describe('parseStoreUrl', () => {
  it('keeps SQLite the default for no URL or a plain path', () => {
    expect(parseStoreUrl(undefined)).toEqual({ kind: 'sqlite' });
    expect(parseStoreUrl('data/genscope.db')).toEqual({ kind: 'sqlite' });
  });

  it('reads a clickhouse:// URL with credentials, database and options', () => {
    expect(
      parseStoreUrl(
        'clickhouse://gs:p%40ss@ch.internal:8123/otel?query_timeout_s=12&cluster=main&replicated=1',
      ),
    ).toEqual({
      kind: 'clickhouse',
      target: 'http://ch.internal:8123',
      username: 'gs',
      password: 'p@ss',
      database: 'otel',
      tracesTable: 'otel_traces',
      logsTable: 'otel_logs',
      queryTimeoutSeconds: 12,
      cluster: 'main',
      replicated: true,
      retentionDays: 90,
      rollupRetentionDays: 400,
    });
    expect(parseStoreUrl('clickhouses://h/otel')).toMatchObject({
      target: 'https://h:8443',
      username: 'default',
    });
  });

  it('selects the embedded engine for chdb:// with an absolute directory', () => {
    expect(parseStoreUrl('chdb:///tmp/x?database=gs&retention_days=0')).toMatchObject({
      kind: 'chdb',
      target: '/tmp/x',
      database: 'gs',
      retentionDays: null,
    });
  });

  it('refuses what it cannot use, naming the fix', () => {
    expect(() => parseStoreUrl('clickhouse://h/otel?timeout=3')).toThrow(/unknown store option "timeout"/);
    expect(() => parseStoreUrl('clickhouse://h/otel?query_timeout_s=0')).toThrow(
      /query_timeout_s must be a number from 1/,
    );
    expect(() => parseStoreUrl('clickhouse://h/ot-el')).toThrow(StoreUrlError);
    expect(() => parseStoreUrl('clickhouse://h/x?traces_table=a;drop')).toThrow(/traces_table/);
    expect(() => parseStoreUrl('chdb://relative')).toThrow(/absolute data directory/);
    expect(() => parseStoreUrl('postgres://h/db')).toThrow(/not supported/);
  });

  it('redacts the password for messages', () => {
    expect(redact('clickhouse://u:secret@h:8123/db')).toBe('clickhouse://u:***@h:8123/db');
  });
});
