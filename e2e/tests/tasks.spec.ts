// ECS tasks through the browser: an environment with a Fargate task definition is
// applied, 25 tasks are run from the task view (three RunTask calls), listed, two are
// stopped with a reason, and the reasons are shown.
import { test, expect } from '@playwright/test';
import { ECSClient, ListTasksCommand, DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { applyReviewed, createEnvironment, hydrated, signUp, submitSignUp } from './helpers';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

test('run 25 tasks, see them, stop two with a reason', async ({ page }) => {
  const suffix = Date.now().toString(36);
  const name = `tasks-${suffix}`;
  await page.goto('/signup');
  await hydrated(page);
  const endpoint = (await page.locator('#sandbox').getAttribute('title'))!;
  // moto moves a task one state towards STOPPED each time it is described; here tasks
  // keep running until stopped, as inference servers do.
  const keep = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1000000 } }),
  });
  expect(keep.status).toBe(201);
  await submitSignUp(page, `runner-${suffix}`);

  // An environment, then its spec gains a Fargate task definition (the spec editor).
  const envPath = await createEnvironment(page, name);
  await page.goto(`${envPath}/edit`);
  await hydrated(page);
  const editor = page.locator('#edit-form textarea[name=spec_json]');
  const spec = JSON.parse(await editor.inputValue());
  spec.task_definition = {
    family: `${name}-task`,
    cpu: 1024,
    memory: 2048,
    network_mode: 'awsvpc',
    requires_compatibilities: ['FARGATE'],
    execution_role: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    containers: [
      {
        name: 'inference',
        image: 'public.ecr.aws/docker/library/python:3.12-slim',
        command: ['python3', '-m', 'http.server', '8080'],
        memory_reservation: 2048,
        essential: true,
      },
    ],
  };
  await editor.fill(JSON.stringify(spec, null, 2));
  await expect(page.locator('#spec-problems li')).toHaveCount(0);
  await page.fill('#edit-form input[name=message]', 'a task definition');
  await page.click('#edit-form button[type=submit]');
  await expect(page).toHaveURL(new RegExp(`${envPath}/review$`));
  await expect(page.locator('#plan li[data-kind=task_definition]')).toHaveAttribute('data-action', 'create');
  await applyReviewed(page);

  // The task view: nothing yet; a bad count is refused by field.
  await page.click('#tasks-link');
  await expect(page).toHaveURL(new RegExp(`${envPath}/tasks$`));
  await hydrated(page);
  await expect(page.locator('#no-tasks')).toBeVisible();
  await expect(page.locator('#run-placement')).toHaveValue('fargate');
  await page.fill('#run-count', '500');
  await page.click('#run-submit');
  await expect(page.locator('#count-error')).toHaveText('The count must be a whole number from 1 to 100');

  // 25 tasks: three RunTask calls, all started, listed as RUNNING.
  await page.fill('#run-count', '25');
  await page.fill('#run-command', 'python3 -m http.server 9000');
  await page.click('#run-submit');
  await expect(page.locator('#run-result .notice')).toHaveText('Started 25 of 25 task(s) in 3 RunTask call(s).');
  await expect(page.locator('#tasks tbody tr')).toHaveCount(25);
  await expect(page.locator('#task-counts a[data-status=RUNNING]')).toHaveAttribute('data-count', '25');
  const ecs = new ECSClient({ endpoint, region: 'us-east-1', credentials });
  const listed = await ecs.send(new ListTasksCommand({ cluster: name }));
  expect(listed.taskArns?.length).toBe(25);

  // Stop two, with a reason.
  const rows = page.locator('#tasks tbody tr');
  const first = await rows.nth(0).getAttribute('data-task');
  const second = await rows.nth(7).getAttribute('data-task');
  await rows.nth(0).locator('input[type=checkbox]').check();
  await rows.nth(7).locator('input[type=checkbox]').check();
  await page.fill('#stop-reason', 'model update');
  await page.click('#stop-selected');
  await expect(page.locator('#stop-result')).toHaveText('Stopped 2 task(s).');
  await expect(page.locator('#task-counts a[data-status=STOPPED]')).toHaveAttribute('data-count', '2');
  await expect(page.locator('#task-counts a[data-status=RUNNING]')).toHaveAttribute('data-count', '23');

  // The stopped ones, filtered, with the reason in their detail; AWS agrees.
  await page.click('#task-counts a[data-status=STOPPED]');
  await expect(page).toHaveURL(/status=STOPPED/);
  const stopped = page.locator('#tasks tbody tr');
  await expect(stopped).toHaveCount(2);
  for (const id of [first, second]) {
    const row = page.locator(`#tasks tr[data-task="${id}"]`);
    await expect(row).toHaveAttribute('data-status', 'STOPPED');
    await row.locator('summary').click();
    await expect(row.locator('.stop-reason')).toHaveText('model update');
  }
  const described = await ecs.send(
    new DescribeTasksCommand({ cluster: name, tasks: [first!, second!] }),
  );
  for (const t of described.tasks ?? []) {
    expect(t.lastStatus).toBe('STOPPED');
    expect(t.stoppedReason).toBe('model update');
    expect(t.startedBy).toBe(`console/runner-${suffix}`);
  }
  await page.screenshot({ path: 'artifacts/tasks.png', fullPage: true });
});

test('the capacity view shows the figures now and charts in light and dark', async ({ page }) => {
  const suffix = Date.now().toString(36);
  const name = `cap-${suffix}`;
  await signUp(page, `watcher-${suffix}`);
  const envPath = await createEnvironment(page, name, { max_vcpus: '32' });
  await applyReviewed(page);

  // Each view of the page reads AWS and keeps a sample (the e2e server keeps one a
  // second at most: CONSOLE_CAPACITY_VIEW_SAMPLE_SECONDS); two samples draw lines.
  await page.click('#capacity-link');
  await expect(page).toHaveURL(new RegExp(`${envPath}/capacity$`));
  await hydrated(page);
  const ce = page.locator('#now-compute-environment');
  await expect(ce).toContainText('VALID (ENABLED)');
  await expect(ce).toContainText('0 / 0 / 32');
  await expect(page.locator('#now-cluster')).toContainText('ACTIVE');
  await page.waitForTimeout(1100);
  await page.click('#capacity-refresh');
  await expect(page.locator('#sample-count')).toHaveText('2 sample(s) in this window.');
  const chart = page.locator('figure.chart[data-chart="Compute environment vCPUs"]');
  await expect(chart.locator('svg')).toHaveCount(1);
  const background = chart.locator('svg rect').first();
  const fill = () => background.evaluate((el) => getComputedStyle(el).fill);
  await expect.poll(fill).toBe('rgb(255, 255, 255)');
  await page.screenshot({ path: 'artifacts/capacity.png', fullPage: true });

  // The reader's dark scheme repaints the same chart in the dark palette.
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(fill).toBe('rgb(24, 28, 36)');
  await expect(chart.locator('svg')).toHaveCount(1);
  await page.screenshot({ path: 'artifacts/capacity-dark.png', fullPage: true });

  // The day window, from a plain link.
  await page.click('#capacity-window a[href$="window=day"]');
  await expect(page).toHaveURL(/window=day/);
  await expect(chart.locator('svg').last()).toContainText('minutes ago (last day)');
});
