/**
 * Run by scripts/test.mjs before the test processes start: builds the seeded database template of
 * every engine under test once (see prepareTemplates), so no two test files build it side by side.
 */
import { prepareTemplates } from './platform.js';

await prepareTemplates();
