// Accessibility and layout of every page: an axe-core scan (WCAG 2.1 A and AA rules) in
// the light and the dark colour scheme, no horizontal scrolling of the page on a phone
// (375 px wide), and the first flow done with the keyboard alone, with visible focus.
import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { hydrated, PASSWORD } from './helpers';

/// The WCAG 2.1 A / AA violations axe finds on the page, one line each.
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} - ${n.failureSummary?.split('\n').join(' ')}`),
  );
}

/// How much wider than the window the page is (0: no horizontal scrolling).
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/// The element that has the focus, with its outline.
async function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const style = el ? getComputedStyle(el) : null;
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      name: el?.getAttribute('name') ?? el?.id ?? '',
      text: (el?.textContent ?? '').trim(),
      outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '',
    };
  });
}

/// Presses Tab until the focused element matches `want` (at most 40 times).
async function tabTo(page: Page, want: (f: Awaited<ReturnType<typeof focused>>) => boolean) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (want(f)) {
      // Focus is visible: an outline of at least 2 px.
      expect(f.outline, `outline of ${f.tag} ${f.name}`).toMatch(/^(solid|auto) [2-9]/);
      return f;
    }
  }
  throw new Error('not reached with Tab');
}

test('every page passes axe in both schemes, fits a phone, and works with the keyboard', async ({ page }) => {
  const suffix = Date.now().toString(36);
  const username = `a11y-${suffix}`;
  const name = `a11y-${suffix}`;

  // Sign up with the keyboard alone.
  await page.goto('/signup');
  await hydrated(page);
  await tabTo(page, (f) => f.name === 'username');
  await page.keyboard.type(username);
  await tabTo(page, (f) => f.name === 'password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.locator('#current-user')).toHaveText(username);

  // Create an environment with the keyboard: the home page's link, the form.
  await tabTo(page, (f) => f.tag === 'a' && f.name === 'new-environment');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/environments\/new$/);
  await hydrated(page);
  await tabTo(page, (f) => f.name === 'name');
  await page.keyboard.type(name);
  await page.locator('#new-environment-form input[name=max_vcpus]').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/environments\/[0-9a-f]+\/review$/);
  const envPath = new URL(page.url()).pathname.replace(/\/review$/, '');
  await hydrated(page);
  await tabTo(page, (f) => f.tag === 'button' && f.text.startsWith('Apply'));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`${envPath}$`));
  await expect(page.locator('#run-status [data-run]')).toHaveAttribute('data-run', 'succeeded');

  // A draft of the wizard, for its step page.
  await page.goto('/wizard');
  await hydrated(page);
  await page.check('#wizard-start-form input[value=cpu_fargate]');
  await page.fill('#wizard-start-form input[name=name]', `${name}-wiz`);
  await page.click('#wizard-start-form button[type=submit]');
  await expect(page).toHaveURL(/\/wizard\/[0-9a-f]+\/basics/);
  const wizardStep = new URL(page.url()).pathname;

  const pages = [
    '/',
    '/environments/new',
    '/environments/import',
    '/wizard',
    wizardStep,
    `${envPath}/review`,
    envPath,
    `${envPath}/history`,
    `${envPath}/edit`,
    `${envPath}/share`,
    `${envPath}/copy`,
    `${envPath}/queue`,
    `${envPath}/tasks`,
    `${envPath}/capacity`,
    '/account/tokens',
  ];
  const problems: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const path of pages) {
      await test.step(`${scheme} ${path}`, async () => {
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(path);
        await hydrated(page);
        for (const v of await violations(page)) problems.push(`${scheme} ${path}: ${v}`);
        if (scheme === 'light') {
          await page.setViewportSize({ width: 375, height: 800 });
          const wider = await overflow(page);
          if (wider > 0) problems.push(`375 px ${path}: the page is ${wider} px wider than the window`);
        }
      });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(envPath);
  await hydrated(page);
  await page.screenshot({ path: 'artifacts/environment-phone.png', fullPage: true });

  // Signed out: the sign-in and sign-up pages.
  await page.context().clearCookies();
  for (const path of ['/signin', '/signup']) {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(path);
    await hydrated(page);
    for (const v of await violations(page)) problems.push(`signed out ${path}: ${v}`);
  }
  expect(problems, problems.join('\n')).toEqual([]);
});
