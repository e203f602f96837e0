// The Batch queue view through the browser: an environment with a Fargate job
// definition (added through the spec editor) is applied, 50 jobs are submitted from the
// queue view's form (one array job of ten and 40 single jobs), the counts per state and
// the state filters are checked, a name is searched, a job's detail opened, one job is
// cancelled with a reason, and a job submitted outside the console shows up in the
// counts without a reload (the server's poller, pushed over Server-Sent Events).
//
// moto's Batch is made deterministic first (see server/tests/queue.rs): the `batch::job`
// transition is set to manual, so jobs submitted with its Docker backend "on" stay
// SUBMITTED; with `{"batch": {"use_docker": false}}` jobs SUCCEED at once. moto lists
// an array job's children beside the parent (AWS lists only the parent).
import { test, expect, Page } from '@playwright/test';
import { BatchClient, DescribeJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { applyReviewed, createEnvironment, hydrated, submitSignUp } from './helpers';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

async function moto(endpoint: string, path: string, body: unknown) {
  const r = await fetch(`${endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(r.ok, `moto ${path}: ${r.status}`).toBe(true);
}

/// `false`: jobs submitted from now on SUCCEED at once.
const useDocker = (endpoint: string, on: boolean) =>
  moto(endpoint, '/moto-api/config', { batch: { use_docker: on } });

function count(page: Page, state: string) {
  return page.locator(`#job-counts a[data-state=${state}]`);
}

test('submit 50 jobs, count and filter them, search, detail, cancel one, live counts', async ({ page }) => {
  test.setTimeout(240_000);
  const suffix = Date.now().toString(36);
  const name = `queue-${suffix}`;
  await page.goto('/signup');
  await hydrated(page);
  const endpoint = (await page.locator('#sandbox').getAttribute('title'))!;
  await moto(endpoint, '/moto-api/state-manager/set-transition', {
    model_name: 'batch::job',
    transition: { progression: 'manual', times: 1000000 },
  });
  await submitSignUp(page, `batcher-${suffix}`);

  // An environment (Fargate compute environment and job queue), then its spec gains a
  // Fargate job definition: the queue view submits jobs of it.
  const envPath = await createEnvironment(page, name);
  await page.goto(`${envPath}/edit`);
  await hydrated(page);
  const editor = page.locator('#edit-form textarea[name=spec_json]');
  const spec = JSON.parse(await editor.inputValue());
  spec.job_definition = {
    name: `${name}-job`,
    image: 'public.ecr.aws/docker/library/python:3.12-slim',
    command: ['python3', '-c', 'print("hello")'],
    vcpus: 1,
    memory: 2048,
    execution_role: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    retry_attempts: 1,
    timeout_seconds: 600,
    platform: 'FARGATE',
  };
  await editor.fill(JSON.stringify(spec, null, 2));
  await expect(page.locator('#spec-problems li')).toHaveCount(0);
  await page.fill('#edit-form input[name=message]', 'a job definition');
  await page.click('#edit-form button[type=submit]');
  await expect(page).toHaveURL(new RegExp(`${envPath}/review$`));
  await expect(page.locator('#plan li[data-kind=job_definition]')).toHaveAttribute('data-action', 'create');
  await applyReviewed(page);

  // The queue view, from the environment page: empty.
  await page.click('#queue-link');
  await expect(page).toHaveURL(new RegExp(`${envPath}/queue$`));
  await hydrated(page);
  await expect(page.locator('#no-jobs')).toBeVisible();
  await expect(count(page, 'ALL')).toHaveAttribute('data-count', '0');

  // A bad array size is refused beside its field; nothing is submitted.
  await page.fill('#submit-name', 'too-big');
  await page.fill('#submit-array-size', '20000');
  await page.click('#submit-job');
  await expect(page.locator('#array_size-error')).not.toHaveText('');
  await expect(count(page, 'ALL')).toHaveAttribute('data-count', '0');

  // 50 jobs from the form: ten that succeed at once, 30 that wait, and an array job of
  // ten that waits.
  const submitOne = async (jobName: string, arraySize = '', parameters = '') => {
    await page.fill('#submit-name', jobName);
    await page.fill('#submit-array-size', arraySize);
    await page.fill('#submit-parameters', parameters);
    await page.click('#submit-job');
    await expect(page.locator('#submit-result')).toContainText(`Submitted ${jobName}`);
  };
  await useDocker(endpoint, false);
  for (let n = 0; n < 10; n++) await submitOne(`done-${n}`);
  await useDocker(endpoint, true);
  for (let n = 0; n < 30; n++) await submitOne(`shard-${n}`, '', 'model=small');
  await submitOne('sweep', '10');
  await expect(page.locator('#submit-result')).toContainText('as an array job of 10');

  // Counts per state: moto lists the ten children beside their parent.
  await expect(count(page, 'SUCCEEDED')).toHaveAttribute('data-count', '10');
  await expect(count(page, 'SUBMITTED')).toHaveAttribute('data-count', '41');
  await expect(count(page, 'ALL')).toHaveAttribute('data-count', '51');
  for (const state of ['PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'FAILED']) {
    await expect(count(page, state)).toHaveAttribute('data-count', '0');
  }
  // All states: a page of 50, then the rest.
  await expect(page.locator('#jobs tbody tr')).toHaveCount(50);
  await page.click('#next-page');
  await expect(page).toHaveURL(/token=/);
  await expect(page.locator('#jobs tbody tr')).toHaveCount(1);

  // State filters: the count links and the filter form.
  await page.click('#job-counts a[data-state=SUCCEEDED]');
  await expect(page).toHaveURL(/state=SUCCEEDED/);
  await expect(page.locator('#jobs tbody tr')).toHaveCount(10);
  await expect(page.locator('#jobs tbody tr[data-state=SUCCEEDED]')).toHaveCount(10);
  await expect(page.locator('#jobs tbody tr .job-link').first()).toContainText('done-');
  await expect(count(page, 'SUCCEEDED')).toHaveAttribute('aria-current', 'page');
  await page.click('#job-counts a[data-state=SUBMITTED]');
  await expect(page).toHaveURL(/state=SUBMITTED/);
  await expect(page.locator('#jobs tbody tr[data-state=SUBMITTED]')).toHaveCount(41);
  await page.selectOption('#job-state', 'RUNNING');
  await page.click('#job-filter button[type=submit]');
  await expect(page).toHaveURL(/state=RUNNING/);
  await expect(page.locator('#no-jobs')).toBeVisible();

  // Search by name prefix (shard-1 and shard-10..19), with any state.
  await page.selectOption('#job-state', '');
  await page.fill('#job-search', 'shard-1');
  await page.click('#job-filter button[type=submit]');
  await expect(page).toHaveURL(/q=shard-1/);
  await expect(page.locator('#jobs tbody tr')).toHaveCount(11);
  const names = await page.locator('#jobs tbody tr .job-link').allTextContents();
  expect(names.every((n) => n === 'shard-1' || /^shard-1\d$/.test(n))).toBe(true);

  // A job's detail: its parameters; then the array job's.
  await page.locator('#jobs tbody tr .job-link', { hasText: /^shard-12$/ }).click();
  await expect(page).toHaveURL(/job=/);
  await expect(page.locator('#job-detail h2')).toHaveText('Job shard-12');
  await expect(page.locator('#job-state-detail')).toHaveText('SUBMITTED');
  await expect(page.locator('#job-parameters')).toHaveText('model=small');
  const shard12 = new URL(page.url()).searchParams.get('job')!;
  await page.click('#close-detail');
  await expect(page.locator('#job-detail')).toHaveCount(0);
  await page.fill('#job-search', 'sweep');
  await page.click('#job-filter button[type=submit]');
  await expect(page.locator('#jobs tbody tr')).toHaveCount(11);
  // (moto's ListJobs leaves out arrayProperties, so the table cannot mark the parent:
  // it is the one whose id has no ':<index>'.)
  await page.locator('#jobs tbody tr:not([data-job*=":"]) .job-link').click();
  await expect(page.locator('#job-array')).toContainText('array job of 10');

  // Cancel shard-12 with a reason: the reason is shown in the table and the detail.
  // (moto records the reason but leaves a cancelled job SUBMITTED while the transition
  // is manual; AWS moves it to FAILED.)
  await page.goto(`${envPath}/queue?q=shard-12`);
  await hydrated(page);
  const row = page.locator(`#jobs tr[data-job="${shard12}"]`);
  await expect(row).toHaveAttribute('data-state', 'SUBMITTED');
  await expect(row.locator('.status-reason')).toHaveText('');
  await row.locator('input[type=checkbox]').check();
  await page.fill('#cancel-reason', 'wrong input');
  await page.click('#cancel-selected');
  await expect(page.locator('#cancel-result')).toHaveText('Cancelled 1 and terminated 0 job(s).');
  await expect(row.locator('.status-reason')).toHaveText('wrong input');
  await row.locator('.job-link').click();
  await expect(page).toHaveURL(/job=/);
  await expect(page.locator('#job-status-reason')).toHaveText('wrong input');
  const batch = new BatchClient({ endpoint, region: 'us-east-1', credentials });
  const described = await batch.send(new DescribeJobsCommand({ jobs: [shard12] }));
  expect(described.jobs?.[0]?.statusReason).toBe('wrong input');
  // A finished job cannot be selected.
  await page.goto(`${envPath}/queue?state=SUCCEEDED`);
  await expect(page.locator('#jobs tbody tr').first().locator('input[type=checkbox]')).toHaveCount(0);

  // A job submitted outside the console reaches the counts without a reload.
  await page.goto(`${envPath}/queue?q=outside`);
  await hydrated(page);
  await expect(count(page, 'SUBMITTED')).toHaveAttribute('data-count', '41');
  await expect(page.locator('#no-jobs')).toBeVisible();
  const marker = await page.evaluate(() => {
    (window as unknown as { marker: string }).marker = 'same page';
    return performance.getEntriesByType('navigation').length;
  });
  expect(marker).toBe(1);
  await batch.send(
    new SubmitJobCommand({ jobName: 'outside', jobQueue: `${name}-queue`, jobDefinition: `${name}-job` }),
  );
  await expect(count(page, 'SUBMITTED')).toHaveAttribute('data-count', '42', { timeout: 20_000 });
  await expect(count(page, 'ALL')).toHaveAttribute('data-count', '52');
  // ... and the table follows.
  await expect(page.locator('#jobs tbody tr .job-link')).toHaveText(['outside']);
  expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
  await page.screenshot({ path: 'artifacts/queue.png', fullPage: true });
  await useDocker(endpoint, true);
});
