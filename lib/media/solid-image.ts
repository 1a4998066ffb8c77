// A small solid-colour PNG, made with sharp: the least an honest connection check can send a model.
import sharp from 'sharp';

export function solidPng(width = 32, height = 32, rgb: [number, number, number] = [128, 128, 128]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}
