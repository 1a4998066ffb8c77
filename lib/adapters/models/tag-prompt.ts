// The tagging prompt: guide prompt + tag definitions + the JSON answer shape that tag-answer.ts validates.
import type { TagRequest } from '../../ports/tagger.js';

export type TagItems = TagRequest['definition']['tags'];

/** The definitions follow this line as a JSON array, one tag a line (loopback test servers read them back). */
export const TAG_DEFINITIONS_HEADER = 'Tag definitions (JSON):';

/**
 * The answer we ask for (JSON mode needs the word "JSON" in the prompt):
 *   {"tags": {"<Name>": true | false | "<value>" | ["<value>", ...] | null}}
 * a free tag (no `values`) answers true/false; a tag with values answers the value(s) that apply, or null.
 */
export function tagSystemPrompt(definition: TagRequest['definition']): string {
  const tags = definition.tags.map((t) =>
    JSON.stringify(t.values && t.values.length > 0 ? { name: t.name, description: t.description ?? '', values: t.values } : { name: t.name, description: t.description ?? '' }),
  );
  const guide = definition.guidePrompt.trim() || 'You tag images for an image dataset.';
  return [
    guide,
    '',
    TAG_DEFINITIONS_HEADER,
    `[\n${tags.join(',\n')}\n]`,
    '',
    'Look at the image and decide, for every tag above, whether it applies.',
    'Answer with one JSON object only: no prose, no code fences. Its shape:',
    '{"tags": {"<tag name>": <answer>, ...}}',
    'where <answer> is true or false for a tag without "values"; for a tag with "values", the value that applies',
    '(a string copied exactly from its "values"), a list of them when several apply, or null when none does.',
    'Use the tag names exactly as defined; never invent tag names or values.',
  ].join('\n');
}

export const TAG_USER_TEXT = 'Tag this image against the tag definitions. Answer with the JSON object only.';
