// Forms work before hydration: the same flow with JavaScript disabled, so every form is
// a plain HTML form post answered by a redirect (errors come back in the URL).
import { test, expect } from '@playwright/test';

test.use({ javaScriptEnabled: false });

test('sign up, refused input and create work without JavaScript', async ({ page }) => {
  const suffix = Date.now().toString(36);
  const username = `nojs-${suffix}`;

  await page.goto('/signup');
  await expect(page.locator('#hydration')).toHaveAttribute('data-hydrated', 'false');
  await page.fill('#signup-form input[name=username]', username);
  await page.fill('#signup-form input[name=password]', 'short');
  await page.click('#signup-form button[type=submit]');
  await expect(page.locator('#password-error')).toHaveText('The password must be at least 10 characters');

  await page.fill('#signup-form input[name=username]', username);
  await page.fill('#signup-form input[name=password]', 'correct horse battery');
  await page.click('#signup-form button[type=submit]');
  await expect(page.locator('#current-user')).toHaveText(username);

  await page.goto('/environments/new');
  await page.fill('#new-environment-form input[name=name]', 'no js!');
  await page.click('#new-environment-form button[type=submit]');
  await expect(page.locator('#name-error')).toHaveText(
    "The name may contain only letters, digits, '-' and '_' (no spaces)",
  );

  await page.fill('#new-environment-form input[name=name]', `nojs-${suffix}`);
  await page.click('#new-environment-form button[type=submit]');
  await expect(page).toHaveURL(/\/environments\/[0-9a-f]+\/review$/);
  await expect(page.locator('#plan li')).toHaveCount(3);
});
