/** floodgate's public API. Internals are not re-exported. */
export * from './core/index.ts';
