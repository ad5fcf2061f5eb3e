/** Where error messages send people: the troubleshooting page, in one place. */

/** The troubleshooting page, relative to the package root (it ships in the npm package). */
export const TROUBLESHOOTING_PAGE = 'docs/troubleshooting.md';

/** `docs/troubleshooting.md#anchor`. */
export function troubleshooting(anchor: string): string {
  return `${TROUBLESHOOTING_PAGE}#${anchor}`;
}
