// Setup steps shared by the browser tests: waiting for hydration, signing up, creating an
// environment and applying its reviewed plan. Each step asserts that it worked, so a
// test that fails in its setup says where. Not a spec: Playwright only runs *.spec.ts.
import { expect, Page } from '@playwright/test';

/// The password every test account signs up with.
export const PASSWORD = 'correct horse battery';

/// Waits until the page is hydrated (the WASM has taken over the server-rendered page).
export async function hydrated(page: Page) {
  await expect(page.locator('#hydration')).toHaveAttribute('data-hydrated', 'true');
}

/// Fills and submits the sign-up form of the page already open on /signup, and waits
/// until the new account is signed in.
export async function submitSignUp(page: Page, username: string) {
  await page.fill('#signup-form input[name=username]', username);
  await page.fill('#signup-form input[name=password]', PASSWORD);
  await page.click('#signup-form button[type=submit]');
  await expect(page.locator('#current-user')).toHaveText(username);
}

/// Opens /signup, signs up as `username` and waits until that account is signed in.
export async function signUp(page: Page, username: string) {
  await page.goto('/signup');
  await hydrated(page);
  await submitSignUp(page, username);
}

/// Creates an environment named `name` on /environments/new, with the other inputs of
/// the form given in `fields` (input name to value, e.g. `{ max_vcpus: '32' }`); waits
/// for its review page and returns the environment's path (`/environments/<id>`).
export async function createEnvironment(page: Page, name: string, fields: Record<string, string> = {}) {
  await page.goto('/environments/new');
  await hydrated(page);
  await page.fill('#new-environment-form input[name=name]', name);
  for (const [input, value] of Object.entries(fields)) {
    await page.fill(`#new-environment-form input[name=${input}]`, value);
  }
  await page.click('#new-environment-form button[type=submit]');
  await expect(page).toHaveURL(/\/environments\/[0-9a-f]+\/review$/);
  return new URL(page.url()).pathname.replace(/\/review$/, '');
}

/// Applies the plan of the review page that is open: clicks Apply, waits for the
/// environment page and for the run to succeed. Returns the environment's path.
export async function applyReviewed(page: Page) {
  await expect(page).toHaveURL(/\/environments\/[0-9a-f]+\/review$/);
  const envPath = new URL(page.url()).pathname.replace(/\/review$/, '');
  await hydrated(page);
  await page.click('#apply-form button[type=submit]');
  await expect(page).toHaveURL(new RegExp(`${envPath}$`));
  await expect(page.locator('#run-status [data-run]')).toHaveAttribute('data-run', 'succeeded');
  return envPath;
}
