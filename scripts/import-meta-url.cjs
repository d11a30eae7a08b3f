// Injected by the build: import.meta.url for code bundled as CommonJS.
export const __runnerImportMetaUrl = require('node:url').pathToFileURL(__filename).href;
