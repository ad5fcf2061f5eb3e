/** The shared polling helpers, under the names the health and reload tests use. */
export { flush, poll as waitFor } from '../helpers/poll.js';
