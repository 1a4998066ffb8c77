// An image as a base64 `data:` URI, the way chat and embedding services take inline images.

export function imageDataUri(image: { data: Buffer; mime: string }): string {
  return `data:${image.mime};base64,${image.data.toString('base64')}`;
}
