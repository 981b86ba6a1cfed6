// Tests poll the way the demo does: one implementation (scripts/story.ts).
export { eventually } from '../../scripts/story.js';
