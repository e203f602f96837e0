// The spec editor and the history through the browser: live validation of the JSON as
// it is typed, a save that opens the plan, the diff between revisions, and restore.
import { test, expect } from '@playwright/test';
import { createEnvironment, hydrated, signUp } from './helpers';

test('edit the spec, compare revisions and restore one', async ({ page }) => {
  const suffix = Date.now().toString(36);
  const name = `hist-${suffix}`;
  await signUp(page, `editor-${suffix}`);
  const envPath = await createEnvironment(page, name);

  // The editor checks as it is typed (WASM), naming the field and the rule.
  await page.goto(`${envPath}/edit`);
  await hydrated(page);
  const editor = page.locator('#edit-form textarea[name=spec_json]');
  const original = await editor.inputValue();
  const spec = JSON.parse(original);
  await editor.fill('{ "not": "finished"');
  await expect(page.locator('#spec-problems li[data-field=spec_json]')).toBeVisible();
  await expect(page.locator('#edit-form button[type=submit]')).toBeDisabled();
  spec.compute_environment.max_vcpus = 0;
  await editor.fill(JSON.stringify(spec, null, 2));
  await expect(page.locator('#spec-problems li[data-field="compute_environment.max_vcpus"]')).toBeVisible();
  spec.name = 'renamed';
  spec.compute_environment.max_vcpus = 64;
  await editor.fill(JSON.stringify(spec, null, 2));
  await expect(page.locator('#spec-problems li[data-rule="console.name-immutable"]')).toBeVisible();
  spec.name = name;
  await editor.fill(JSON.stringify(spec, null, 2));
  await expect(page.locator('#spec-problems li')).toHaveCount(0);
  await page.fill('#edit-form input[name=message]', 'more vCPUs');
  await page.click('#edit-form button[type=submit]');
  await expect(page).toHaveURL(new RegExp(`${envPath}/review$`));
  await expect(page.locator('#plan li[data-kind=compute_environment]')).toContainText('64');

  // The history lists both revisions and shows the change field by field.
  await page.goto(`${envPath}/history`);
  await hydrated(page);
  await expect(page.locator('#revisions tr[data-revision]')).toHaveCount(2);
  await expect(page.locator('#revisions tr[data-revision="2"]')).toContainText('more vCPUs');
  await page.selectOption('#diff-form select[name=from]', '1');
  await page.selectOption('#diff-form select[name=to]', '2');
  await page.click('#diff-form button[type=submit]');
  const change = page.locator('#diff tr[data-path="compute_environment.max_vcpus"] td');
  await expect(change.nth(1)).toHaveText('16');
  await expect(change.nth(2)).toHaveText('64');

  // Restore revision 1 as revision 3.
  await hydrated(page);
  await page.click('#revisions tr[data-revision="1"] .restore button');
  await expect(page.locator('#revisions tr[data-revision]')).toHaveCount(3);
  await expect(page.locator('#revisions tr[data-revision="3"]')).toContainText('restored revision 1');
  await page.screenshot({ path: 'artifacts/history.png', fullPage: true });
});
