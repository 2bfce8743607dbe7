// Bumped with every change to how plans or journals are shaped: a journal written by another
// engine version is refused on resume.
export const ENGINE_VERSION = '0.1.0';
