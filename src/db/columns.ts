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
