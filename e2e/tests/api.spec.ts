// The API from the browser's side: a personal API token created on the tokens page
// (shown once), used against /api/v1, revoked on the page; a spec exported through the
// API imported back on the import page; the review page's AWS requests and command
// lines; the API reference page.
import { test, expect } from '@playwright/test';
import { hydrated, signUp } from './helpers';

test('API tokens, import of a spec, and what the review page says apply will send', async ({ page, request }) => {
  const suffix = Date.now().toString(36);
  const username = `tok-${suffix}`;
  await signUp(page, username);

  // A token from the tokens page, shown once.
  await page.click('text=API tokens');
  await expect(page).toHaveURL(/\/account\/tokens$/);
  await hydrated(page);
  await page.fill('#token-form input[name=name]', 'ci pipeline');
  await page.click('#token-form button[type=submit]');
  const shown = page.locator('#new-token');
  await expect(shown).toHaveText(/^bcon_[0-9a-f]{64}$/);
  const token = (await shown.textContent())!;
  await expect(page.locator('#tokens tr[data-status=live]')).toHaveCount(1);
  await page.screenshot({ path: 'artifacts/tokens.png', fullPage: true });
  await page.reload();
  await hydrated(page);
  await expect(page.locator('#new-token')).toHaveCount(0);
  await expect(page.locator('#tokens code').first()).toHaveText(`${token.slice(0, 12)}...`);

  // The token opens the API as its owner; an environment made and exported through it.
  const auth = { Authorization: `Bearer ${token}` };
  const me = await request.get('/api/v1/me', { headers: auth });
  expect(me.status()).toBe(200);
  expect((await me.json()).username).toBe(username);
  const created = await request.post('/api/v1/environments', {
    headers: auth,
    data: { name: `src-${suffix}`, region: 'us-east-1', max_vcpus: 16 },
  });
  expect(created.status()).toBe(201);
  const { id } = await created.json();
  const exported = await request.get(`/api/v1/environments/${id}/export?format=yaml`, { headers: auth });
  expect(exported.status()).toBe(200);
  const yaml = (await exported.text()).split(`src-${suffix}`).join(`imp-${suffix}`);

  // Imported on the import page: the review page of the new environment opens.
  await page.goto('/');
  await hydrated(page);
  await page.click('#import-environment');
  await expect(page).toHaveURL(/\/environments\/import$/);
  await hydrated(page);
  await page.fill('#document', 'not: [a spec');
  await page.click('#import-form button[type=submit]');
  await expect(page.locator('#document-error')).toContainText(/./);
  await page.fill('#document', yaml);
  await page.click('#import-form button[type=submit]');
  await expect(page).toHaveURL(/\/environments\/[0-9a-f]+\/review$/);
  const importedId = new URL(page.url()).pathname.split('/')[2];
  await hydrated(page);
  await expect(page.locator('h1')).toContainText(`imp-${suffix}`);

  // Each step folds away its AWS requests; the command lines of the same apply.
  const cluster = page.locator('#plan li[data-kind=cluster]');
  await cluster.locator('details.requests summary').click();
  await expect(cluster.locator('code.operation')).toHaveText('ecs:CreateCluster');
  await expect(cluster.locator('pre.payload')).toContainText(`"clusterName": "imp-${suffix}"`);
  const queue = page.locator('#plan li[data-kind=job_queue]');
  await queue.locator('details.requests summary').click();
  await expect(queue.locator('code.operation')).toHaveText('batch:CreateJobQueue');
  await page.locator('details.commands summary').click();
  await expect(page.locator('pre.cli')).toContainText(`console apply ${importedId} --plan plan.json --wait`);
  await page.screenshot({ path: 'artifacts/review-requests.png', fullPage: true });

  // Revoked on the page: the API refuses the token at once.
  await page.goto('/account/tokens');
  await hydrated(page);
  await page.click('#tokens tr[data-status=live] .revoke button');
  await expect(page.locator('#tokens tr[data-status=revoked]')).toHaveCount(1);
  expect((await request.get('/api/v1/me', { headers: auth })).status()).toBe(401);

  // The reference page lists the operations (server-rendered, no scripts).
  await page.goto('/api/v1/docs');
  await expect(page.locator('h1')).toHaveText('Batch inference console API');
  await expect(page.locator('section h2', { hasText: 'POST /api/v1/environments/{id}/apply' })).toHaveCount(1);
});
