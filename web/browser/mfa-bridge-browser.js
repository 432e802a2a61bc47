// Placeholder for the browser helper (`mfa-bridge/browser`), which another change writes:
// the package's exports entry, the build that copies this folder and declares its types
// (scripts/build.mjs, tsconfig.browser.json) and the tarball test are ready for it. When
// that file lands, it replaces this one whole.
export {};
