// The review page after an edit of an applied environment: a change AWS cannot make in
// place shows as a replacement, field by field with the reason and the effect on jobs,
// the dependent queue goes with it, and applying that plan replaces both in AWS.
import { test, expect } from '@playwright/test';
import { BatchClient, DescribeComputeEnvironmentsCommand } from '@aws-sdk/client-batch';
import { applyReviewed, createEnvironment, hydrated, signUp } from './helpers';

test('an edit that forces a replacement is shown, explained and applied', async ({ page }) => {
  const suffix = Date.now().toString(36);
  const name = `repl-${suffix}`;
  await signUp(page, `replacer-${suffix}`);
  const envPath = await createEnvironment(page, name);
  await applyReviewed(page);

  // Fargate to Fargate Spot: fixed at creation, so the compute environment is replaced.
  await page.goto(`${envPath}/edit`);
  await hydrated(page);
  const editor = page.locator('#edit-form textarea[name=spec_json]');
  const spec = JSON.parse(await editor.inputValue());
  expect(spec.compute_environment.compute_type).toBe('FARGATE');
  spec.compute_environment.compute_type = 'FARGATE_SPOT';
  await editor.fill(JSON.stringify(spec, null, 2));
  await expect(page.locator('#spec-problems li')).toHaveCount(0);
  await page.fill('#edit-form input[name=message]', 'Spot for the batch runs');
  await page.click('#edit-form button[type=submit]');
  await expect(page).toHaveURL(new RegExp(`${envPath}/review$`));
  await hydrated(page);

  const ce = page.locator('#plan li[data-kind=compute_environment]');
  await expect(ce).toHaveAttribute('data-action', 'replace');
  await expect(ce).toContainText('its jobs are terminated');
  await expect(ce).toContainText('the old one is deleted first');
  const type = ce.locator('table.changes tr', { hasText: 'computeResources.type' }).locator('td');
  await expect(type.nth(1)).toHaveText('FARGATE');
  await expect(type.nth(2)).toHaveText('FARGATE_SPOT');
  await expect(type.nth(3)).toHaveText('the provisioning model (EC2, SPOT, FARGATE) is fixed at creation');
  // Every setting of the resource, one click away.
  await ce.locator('details.all-settings summary').click();
  const all = ce.locator('details.all-settings dl');
  await expect(all).toContainText('computeResources.maxvCpus');
  await expect(all.locator('dt', { hasText: 'computeResources.type' }).locator('+ dd')).toHaveText('FARGATE_SPOT');
  // The queue depends on it: deleted with it first, created again after.
  const queue = page.locator('#plan li[data-kind=job_queue]');
  await expect(queue).toHaveAttribute('data-action', 'replace');
  await expect(queue).toContainText(`is replaced: deleted with it first, then created again`);
  // The cluster is not touched.
  await expect(page.locator('#plan li[data-kind=cluster]')).toHaveAttribute('data-action', 'no change');
  await page.screenshot({ path: 'artifacts/review-replace.png', fullPage: true });

  // Apply exactly that plan: AWS ends up with a Fargate Spot compute environment.
  await applyReviewed(page);
  const endpoint = await page.locator('#sandbox').getAttribute('title');
  const batch = new BatchClient({
    endpoint: endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const found = await batch.send(
    new DescribeComputeEnvironmentsCommand({ computeEnvironments: [`${name}-ce`] }),
  );
  expect(found.computeEnvironments?.map((c) => c.computeResources?.type)).toEqual(['FARGATE_SPOT']);
  await page.goto(`${envPath}/review`);
  await expect(page.locator('#no-changes')).toBeVisible();
});
