/**
 * The Lambda entry of a handler factory: the handler is built on the first invocation, from
 * the container's environment, and kept for the container's life. The local runtime calls the
 * factories itself, with the dependencies of its region.
 */
import { environmentDependencies, type DependencyProvider } from './dependencies';

export const lazyHandler = <E, C, R>(
  create: (provider: DependencyProvider) => (event: E, context: C) => Promise<R>,
): ((event: E, context: C) => Promise<R>) => {
  let built: ((event: E, context: C) => Promise<R>) | undefined;
  return (event, context) => {
    built ??= create(environmentDependencies);
    return built(event, context);
  };
};
