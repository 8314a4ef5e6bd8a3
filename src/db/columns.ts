import { customType } from 'drizzle-orm/mysql-core';

/**
 * JSON kept as text: MariaDB's JSON type is LONGTEXT and mysql2 hands it back as a string,
 * so we serialise and parse ourselves, the same way on MySQL and MariaDB.
 */
export const jsonText = <T>(name: string) =>
  customType<{ data: T; driverData: string }>({
    dataType: () => 'longtext',
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (value) => JSON.parse(typeof value === 'string' ? value : String(value)) as T,
  })(name);

/**
 * A UTC instant as DATETIME(3), ISO-8601 strings on the TypeScript side. Events carry ISO times;
 * SQL readers (Grafana) get a real DATETIME to index and group by.
 */
export const isoDatetime = (name: string) =>
  customType<{ data: string; driverData: string }>({
    dataType: () => 'datetime(3)',
    toDriver: (iso) => new Date(iso).toISOString().replace('T', ' ').replace('Z', ''),
    fromDriver: (value) => `${String(value).replace(' ', 'T')}${String(value).includes('.') ? '' : '.000'}Z`,
  })(name);
