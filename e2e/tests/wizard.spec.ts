// The new-environment wizard in the browser: start from a preset, a validation error
// shown as it is typed (the shared rules in WASM) and refused on Next, corrected; a
// subnet picked from the account; back keeps what was chosen, a reload loses nothing;
// the last step creates the environment and opens its review page.
import { test, expect, Page } from '@playwright/test';
import { hydrated, signUp } from './helpers';

const field = (page: Page, path: string) => page.locator(`.wizard-field[data-path="${path}"]`);
const error = (page: Page, path: string) => page.locator(`.field-error[data-field="${path}"]`);

test('a preset through the wizard, with a validation error corrected, to the review page', async ({ page }) => {
  const suffix = Date.now().toString(36);
  const name = `wiz-${suffix}`;
  await signUp(page, `wiz-${suffix}`);

  await page.click('#start-wizard');
  await expect(page).toHaveURL(/\/wizard$/);
  await hydrated(page);
  await page.check('#wizard-start-form input[value=cpu_fargate]');
  await page.fill('#wizard-start-form input[name=name]', name);
  await page.click('#wizard-start-form button[type=submit]');
  await expect(page).toHaveURL(/\/wizard\/[0-9a-f]+\/basics$/);
  const draftUrl = page.url().replace(/\/basics$/, '');
  await hydrated(page);

  // Basics: a name AWS would refuse is flagged as it is typed, and Next is refused.
  const nameInput = field(page, 'name').locator('input');
  await expect(nameInput).toHaveValue(name);
  await nameInput.fill('Bad Name!');
  await expect(error(page, 'name')).not.toBeEmpty();
  await page.click('#wizard-next');
  await expect(page).toHaveURL(`${draftUrl}/basics`);
  await expect(error(page, 'name')).not.toBeEmpty();
  await page.screenshot({ path: 'artifacts/wizard-error.png', fullPage: true });
  await nameInput.fill(name);
  await expect(error(page, 'name')).toBeEmpty();
  await page.click('#wizard-next');
  await expect(page).toHaveURL(`${draftUrl}/network`);
  await hydrated(page);

  // Network: one subnet picked from the account's list.
  const subnets = field(page, 'network.subnets');
  await subnets.locator('details.picker summary').click();
  const boxes = subnets.locator('details.picker input[type=checkbox]');
  expect(await boxes.count()).toBeGreaterThan(1);
  const first = (await boxes.nth(0).getAttribute('data-value'))!;
  await subnets.locator('input[type=text]').fill('');
  await boxes.nth(0).check();
  await expect(subnets.locator('input[type=text]')).toHaveValue(first);
  await page.click('#wizard-next');
  await expect(page).toHaveURL(`${draftUrl}/cluster`);

  // A reload loses nothing; Back shows the subnet chosen.
  await page.reload();
  await hydrated(page);
  await expect(field(page, 'cluster.name').locator('input')).toHaveValue(name);
  await page.click('button[value=back]');
  await expect(page).toHaveURL(`${draftUrl}/network`);
  await expect(field(page, 'network.subnets').locator('input[type=text]')).toHaveValue(first);
  await page.click('#wizard-next');
  await expect(page).toHaveURL(`${draftUrl}/cluster`);
  await hydrated(page);
  await page.click('#wizard-next');
  await expect(page).toHaveURL(`${draftUrl}/compute`);
  await hydrated(page);

  // Compute: a maximum of 0 vCPUs is flagged, then corrected.
  const max = field(page, 'compute_environment.max_vcpus').locator('input');
  await max.fill('0');
  await expect(error(page, 'compute_environment.max_vcpus')).not.toBeEmpty();
  await max.fill('32');
  await expect(error(page, 'compute_environment.max_vcpus')).toBeEmpty();
  await page.click('#wizard-next');
  await expect(page).toHaveURL(`${draftUrl}/workload`);
  await hydrated(page);

  // Workload: the Fargate task needs its execution role.
  const role = field(page, 'task_definition.execution_role').locator('input');
  await role.fill('not-a-role');
  await expect(error(page, 'task_definition.execution_role')).not.toBeEmpty();
  await role.fill('arn:aws:iam::123456789012:role/ecsTaskExecutionRole');
  await field(page, 'job_definition.execution_role').locator('input').fill('arn:aws:iam::123456789012:role/ecsTaskExecutionRole');
  await field(page, 'job_definition.job_role').locator('input').fill('arn:aws:iam::123456789012:role/inference-job');
  await page.click('#wizard-next');
  await expect(page).toHaveURL(/\/environments\/[0-9a-f]+\/review$/);
  await hydrated(page);
  await expect(page.locator('h1')).toContainText(name);
  await expect(page.locator('#plan li[data-kind=compute_environment]')).toHaveAttribute('data-action', 'create');
  await expect(page.locator('#plan li[data-kind=task_definition]')).toHaveAttribute('data-action', 'create');
  await page.screenshot({ path: 'artifacts/wizard-review.png', fullPage: true });

  // The draft is gone from the start page.
  await page.goto('/wizard');
  await hydrated(page);
  await expect(page.locator('#drafts')).toHaveCount(0);
});
