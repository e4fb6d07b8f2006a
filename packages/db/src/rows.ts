// Rows and records: columns are named in snake_case, the fields of records and patches in camelCase.

/** The row type of what a query builder factory reads: `RowOf<typeof contactsQuery>`. */
export type RowOf<Q extends (...args: never[]) => { executeTakeFirstOrThrow(): Promise<unknown> }> = Awaited<ReturnType<ReturnType<Q>['executeTakeFirstOrThrow']>>;

/** `column_name` as its field's name: `is_blocked` is `isBlocked`. */
export type FieldName<C extends string> = C extends `${infer H}_${infer T}` ? `${H}${Capitalize<FieldName<T>>}` : C;

/** `fieldName` as its column's name: `isBlocked` is `is_blocked`. */
export type ColumnName<F extends string> = F extends `${infer H}${infer T}` ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${ColumnName<T>}` : F;

/**
 * The columns `keys` of `row` under their fields' names, in the order of `keys`: the part of a record
 * that is the row as it is read (a record spreads it, then adds or overrides what it computes).
 */
export function fieldsOf<R extends object, K extends keyof R & string>(row: R, keys: readonly K[]): { [C in K as FieldName<C>]: R[C] } {
  const fields: Record<string, unknown> = {};
  for (const key of keys) fields[fieldName(key)] = row[key];
  return fields as never;
}

// Lists map every row of a page: each name is worked out once, not once a row.
const fieldNames = new Map<string, string>();
const columnNames = new Map<string, string>();

function fieldName(column: string): string {
  let name = fieldNames.get(column);
  if (name === undefined) fieldNames.set(column, (name = column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())));
  return name;
}

function columnName(field: string): string {
  let name = columnNames.get(field);
  if (name === undefined) columnNames.set(field, (name = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)));
  return name;
}

/**
 * The fields `keys` of `patch` that are set (not undefined), under their columns' names: part of an
 * UPDATE's SET, which leaves the absent fields as they are. Only the named keys are read.
 */
export function definedColumns<P extends object, K extends keyof P & string>(patch: P, keys: readonly K[]): { [F in K as ColumnName<F>]?: Exclude<P[F], undefined> } {
  const columns: Record<string, unknown> = {};
  for (const key of keys) {
    if (patch[key] !== undefined) columns[columnName(key)] = patch[key];
  }
  return columns as never;
}
