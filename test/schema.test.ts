import {
  buildSchema,
  findBreakingChanges,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/core/config';
import { schema } from '../src/schema';
import committed from '../schema.graphql?raw';
import contract from './contract/api-contract.graphql?raw';

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run generate` after changing it)', () => {
    expect(`${printSchema(lexicographicSortSchema(schema))}\n`).toBe(committed);
  });

  // test/contract/api-contract.graphql is the team's shared contract, formatted:
  // the same types, fields, arguments and enum values.
  it('keeps every name and shape of the public contract', () => {
    const changes = findBreakingChanges(buildSchema(contract), schema);
    expect(changes.map((change) => change.description)).toEqual([]);
  });

  it('documents every type, field, argument and enum value', () => {
    const undocumented: string[] = [];
    const check = (type: GraphQLNamedType) => {
      if (type.name.startsWith('__')) return;
      if (!type.description) undocumented.push(type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undocumented.push(`${type.name}.${field.name}`);
          for (const arg of field.args) {
            if (!arg.description) undocumented.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undocumented.push(`${type.name}.${field.name}`);
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) {
          if (!value.description) undocumented.push(`${type.name}.${value.name}`);
        }
      }
    };
    Object.values(schema.getTypeMap()).forEach(check);
    expect(undocumented).toEqual([]);
  });

  it('says that the deployment’s KRONOS_DEFAULT_HITS sets the default windows, and the shipped ones', () => {
    // Before: both said "HOT 4, WORKING 4, LONG_TERM 4" as if no deployment could change them.
    const shipped = readConfig({})
      .defaultWindows.map(({ window, limit }) => `${window} ${limit}`)
      .join(', ');
    for (const input of ['SearchInput', 'ChatInput']) {
      const type = schema.getType(input);
      if (!isInputObjectType(type)) throw new Error(`${input} is not an input type`);
      const description = type.getFields().windows!.description ?? '';
      expect(description, input).toContain('KRONOS_DEFAULT_HITS');
      expect(description, input).toContain(`as shipped, ${shipped}`);
    }
  });
});
