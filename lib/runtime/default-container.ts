// The container of a deployed function instance: built once from the environment, on first use.
import { loadConfig } from './config.js';
import { buildContainer, type Container } from './container.js';

let instance: Container | undefined;

export function defaultContainer(): Container {
  instance ??= buildContainer(loadConfig());
  return instance;
}
