import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { EXAMPLE_TIME, readClientTime } from '../core/memory-time';
import { keepOffset } from '../core/time-offsets';

/**
 * The time a client sent; a refused one is coded like every other bad input
 * (BAD_USER_INPUT with a reason). Thrown as a GraphQLError so that the engine keeps its code and
 * reason while it names the variable and the field at fault ("Variable "$i"
 * got invalid value … at "i[0].createdAt"; DateTime needs a time zone offset …").
 */
function readTime(value: unknown, nodes?: ValueNode): Date {
  const read = readClientTime(value);
  if (read.ok) return keepOffset(new Date(read.ms), read.offsetMinutes);
  throw new GraphQLError(`DateTime ${read.problem}`, {
    nodes,
    extensions: {
      code: 'BAD_USER_INPUT',
      reason: read.reason,
    },
  });
}

/**
 * DateTime read by the rule the JSONL import follows too (core/memory-time.ts):
 * RFC 3339 with an offset, or milliseconds since the epoch from 2001 on.
 * Output is graphql-scalars' (an RFC 3339 string in UTC).
 */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: `An RFC 3339 date-time with its offset, e.g. ${EXAMPLE_TIME} or 2026-11-26T12:00:00+02:00 (a space may stand for the T); as input also milliseconds since the epoch, from 2001 on (a smaller number is refused: TIMESTAMP_IN_SECONDS when it reads as seconds of 2001 or later, TIME_OUT_OF_RANGE otherwise). Output is always UTC text.`,
  serialize: (value) => DateTimeResolver.serialize(value) as unknown as string,
  parseValue: (value) => readTime(value),
  parseLiteral: (ast) =>
    ast.kind === Kind.STRING
      ? readTime(ast.value, ast)
      : ast.kind === Kind.INT
        ? readTime(Number(ast.value), ast)
        : readTime(undefined, ast),
});
