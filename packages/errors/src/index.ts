export { AppError, type AppErrorOptions } from './app-error.js';
export { defineError, type ErrorDefinition } from './define-error.js';
export { errors, errorDefinitions, findErrorDefinition, isAppError, type ErrorCode } from './registry.js';
export { renderErrorsMarkdown } from './render-docs.js';
