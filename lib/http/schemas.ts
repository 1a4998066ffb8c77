// Shared request pieces: paging, ids, and the JSON response helper.
import { z } from '@hono/zod-openapi';
import { ErrorDto } from './dto.js';

export const MaxResults = z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: '1..1000, default 100' });
export const NextToken = z.string().max(2048).optional().openapi({ description: 'From the previous page' });
export const DatasetIdParam = z.object({ DatasetId: z.string().min(1).max(64).openapi({ param: { name: 'DatasetId', in: 'path' } }) });

// Names and text refuse control characters and unpaired surrogates: the rule is the domain's, shared
// with the JobSpecs.
export { freeText, lineText } from '../domain/text.js';

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

export const errorResponses = {
  400: jsonContent(ErrorDto, 'Invalid request: Message and Field name what is wrong'),
  401: jsonContent(ErrorDto, 'Missing or wrong API key'),
  403: jsonContent(ErrorDto, 'Refused: a location Loupe may not serve, or a change from a workspace the dataset is only shared to'),
  404: jsonContent(ErrorDto, 'Unknown id'),
  409: jsonContent(ErrorDto, 'Conflicts with the current state'),
} as const;

export const RequestIdField = { RequestId: z.string() };
