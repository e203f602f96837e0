// Sharing through the browser: A creates an environment and a viewer link; B opens it,
// sees the environment and its plan but cannot apply (no button, and a forged call is
// refused by the server); A revokes the link and B loses access.
import { test, expect, Browser } from '@playwright/test';
import { createEnvironment, hydrated, signUp } from './helpers';

/// A page in a browser context of its own, signed up as `username`.
async function signUpInNewContext(browser: Browser, username: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, username);
  return page;
}

test('a viewer link shows the environment and plan, refuses apply, and can be revoked', async ({ browser, baseURL }) => {
  const suffix = Date.now().toString(36);
  const name = `shared-${suffix}`;
  const a = await signUpInNewContext(browser, `alice-${suffix}`);
  const b = await signUpInNewContext(browser, `bob-${suffix}`);

  // A creates an environment (not applied) and a viewer link.
  const envPath = await createEnvironment(a, name);
  await a.goto(envPath);
  await hydrated(a);
  await expect(a.locator('#role')).toHaveAttribute('data-role', 'owner');
  await a.click('#share-link');
  await expect(a).toHaveURL(`${baseURL}${envPath}/share`);
  await hydrated(a);
  await a.selectOption('#share-form select[name=role]', 'viewer');
  await a.click('#share-form button[type=submit]');
  const link = a.locator('#new-link');
  await expect(link).toBeVisible();
  const linkPath = (await link.getAttribute('href'))!;
  expect(linkPath).toMatch(/^\/share\/[0-9a-f]{64}$/);
  await expect(a.locator('#links tr[data-status=live]')).toHaveCount(1);
  // The copy button puts the full address on the clipboard.
  await a.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await a.click('#copy-new-link');
  await expect(a.locator('#copy-new-link')).toHaveText('Copied');
  expect(await a.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}${linkPath}`);

  // Before accepting, B cannot see the environment.
  await b.goto(envPath);
  await expect(b.locator('#not-found')).toBeVisible();

  // B opens the link and becomes a viewer.
  await b.goto(linkPath);
  await hydrated(b);
  await expect(b.locator('#link-status')).toHaveAttribute('data-status', 'live');
  await b.click('#accept-form button[type=submit]');
  await expect(b).toHaveURL(`${baseURL}${envPath}`);
  await expect(b.locator('#environment-name')).toHaveText(name);
  await expect(b.locator('#role')).toHaveAttribute('data-role', 'viewer');
  await expect(b.locator('#read-only')).toBeVisible();
  await expect(b.locator('#destroy-form')).toHaveCount(0);
  await expect(b.locator('#share-link')).toHaveCount(0);
  await expect(b.locator('#edit-link')).toHaveCount(0);

  // The plan is visible; the Apply button is not.
  await b.click('#review-link');
  await expect(b).toHaveURL(`${baseURL}${envPath}/review`);
  await hydrated(b);
  await expect(b.locator('#plan li')).toHaveCount(3);
  await expect(b.locator('#plan li[data-kind=cluster]')).toHaveAttribute('data-action', 'create');
  await expect(b.locator('#apply-form')).toHaveCount(0);
  await expect(b.locator('#read-only')).toContainText('viewer');
  await b.screenshot({ path: 'artifacts/viewer-review.png', fullPage: true });

  // A forged apply from B's session (same origin, so it passes the CSRF check) is refused
  // by the authorization policy, even with the owner's plan fingerprint.
  await a.goto(`${envPath}/review`);
  await hydrated(a);
  const fingerprint = await a.locator('#apply-form input[name=fingerprint]').getAttribute('value');
  const id = envPath.split('/')[2];
  const forged = await b.request.post('/api/apply_environment', {
    form: { id, fingerprint: fingerprint! },
    headers: { Accept: 'application/json', Origin: baseURL! },
  });
  expect(forged.status()).toBe(403);
  expect(await forged.json()).toEqual({ Forbidden: 'As a viewer you cannot apply this environment' });
  await b.goto(envPath);
  await expect(b.locator('#run-status [data-run]')).toHaveAttribute('data-run', 'none');

  // A revokes the link; B loses access at once and the link says it was revoked.
  await a.goto(`${envPath}/share`);
  await hydrated(a);
  await expect(a.locator('#new-link')).toHaveCount(0); // shown once only
  await a.click('#links tr[data-status=live] .revoke button');
  await expect(a.locator('#links tr[data-status=revoked]')).toHaveCount(1);
  await b.reload();
  await expect(b.locator('#not-found')).toBeVisible();
  await b.goto(linkPath);
  await expect(b.locator('#link-status')).toHaveAttribute('data-status', 'revoked');
  await expect(b.locator('#accept-form')).toHaveCount(0);
  await b.goto('/');
  await expect(b.locator('.notice')).toHaveText('No environments yet.');
});
