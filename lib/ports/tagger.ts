// Port: a vision-language model that tags one image against a tag definition.
import type { TagDefinition } from '../domain/connection.js';

export interface TagRequest {
  /** The image as the model receives it (already downscaled): bytes and MIME type. */
  image: { data: Buffer; mime: string };
  definition: Pick<TagDefinition, 'guidePrompt' | 'tags'>;
  /** e.g. `qwen-vl-max`, `qwen-vl-plus`. */
  model: string;
  signal?: AbortSignal;
}

export interface TagResult {
  /** Valid tags: free tag names, or `Name:Value` for tags with a closed list of values. */
  tags: string[];
  /** What the model answered outside the definition (dropped, for the job log). */
  dropped: string[];
}

export interface Tagger {
  /** Throws ModelError (transient or permanent) when the service fails or answers garbage. */
  tag(req: TagRequest): Promise<TagResult>;
}
