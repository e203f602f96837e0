// The first slice, through the browser: sign up, create (with bad input first), review,
// apply, compare the ARNs shown with what the AWS emulator reports, destroy.
import { test, expect, Page } from '@playwright/test';
import { ECSClient, DescribeClustersCommand, ListClustersCommand } from '@aws-sdk/client-ecs';
import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  UpdateJobQueueCommand,
} from '@aws-sdk/client-batch';
import { applyReviewed, hydrated, submitSignUp } from './helpers';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

async function emulator(page: Page) {
  const endpoint = await page.locator('#sandbox').getAttribute('title');
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const config = { endpoint: endpoint!, region: 'us-east-1', credentials };
  return { ecs: new ECSClient(config), batch: new BatchClient(config) };
}

test('sign up, create, review, apply and destroy an environment', async ({ page }) => {
  const suffix = Date.now().toString(36);
  const username = `user-${suffix}`;
  const name = `e2e-${suffix}`;

  await page.goto('/signup');
  await hydrated(page);
  await expect(page.locator('#sandbox')).toHaveText('sandbox: local AWS emulator');
  await expect(page.locator('#aws-identity')).toContainText('AWS account 123456789012');
  await submitSignUp(page, username);
  await expect(page.locator('.notice')).toHaveText('No environments yet.');

  const aws = await emulator(page);
  const clusterCount = async () =>
    (await aws.ecs.send(new ListClustersCommand({}))).clusterArns?.length ?? 0;
  const clustersBefore = await clusterCount();

  // Bad input: the name is checked as it is typed (WASM; proves hydration), then refused
  // by the server on submit, and nothing is created in AWS.
  await page.click('#new-environment');
  await expect(page).toHaveURL(/\/environments\/new$/);
  await page.locator('#new-environment-form input[name=name]').pressSequentially('my env');
  await expect(page.locator('#name-error')).toHaveText(
    "The name may contain only letters, digits, '-' and '_' (no spaces)",
  );
  await page.click('#new-environment-form button[type=submit]');
  await expect(page.locator('#name-error')).toHaveText(
    "The name may contain only letters, digits, '-' and '_' (no spaces)",
  );
  await page.fill('#new-environment-form input[name=max_vcpus]', '0');
  await expect(page.locator('#max_vcpus-error')).toHaveText('Max vCPUs must be at least 1');
  await page.fill('#new-environment-form input[name=name]', name);
  await expect(page.locator('#name-error')).toHaveText('');
  await page.click('#new-environment-form button[type=submit]');
  await expect(page.locator('#max_vcpus-error')).toHaveText('Max vCPUs must be at least 1');
  await expect(page).toHaveURL(/\/environments\/new$/);
  expect(await clusterCount()).toBe(clustersBefore);

  // A good spec opens the review page, which lists what will be created.
  await page.fill('#new-environment-form input[name=max_vcpus]', '16');
  await page.click('#new-environment-form button[type=submit]');
  await expect(page).toHaveURL(/\/environments\/[0-9a-f]+\/review$/);
  const steps = page.locator('#plan li');
  await expect(steps).toHaveCount(3);
  await expect(page.locator('#plan li[data-kind=cluster]')).toHaveAttribute('data-action', 'create');
  await expect(page.locator('#plan li[data-kind=compute_environment]')).toContainText(`${name}-ce`);
  await expect(page.locator('#plan li[data-kind=job_queue]')).toContainText(`${name}-queue`);
  expect(await clusterCount()).toBe(clustersBefore);
  const envUrl = page.url().replace(/\/review$/, '');

  // Apply: the environment page follows the run, then shows the resources from AWS.
  await applyReviewed(page);
  await expect(page).toHaveURL(envUrl);
  await page.reload();
  await hydrated(page);
  const arn = (kind: string) => page.locator(`#resources tr[data-kind=${kind}] td.arn`).innerText();
  const status = (kind: string) => page.locator(`#resources tr[data-kind=${kind}] td.status`);
  await expect(status('cluster')).toHaveText('ACTIVE');
  await expect(status('compute_environment')).toHaveText('VALID');
  await expect(status('job_queue')).toHaveText('VALID');

  const cluster = (await aws.ecs.send(new DescribeClustersCommand({ clusters: [name] }))).clusters![0];
  const ce = (
    await aws.batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [`${name}-ce`] }))
  ).computeEnvironments![0];
  const queue = (await aws.batch.send(new DescribeJobQueuesCommand({ jobQueues: [`${name}-queue`] })))
    .jobQueues![0];
  expect(await arn('cluster')).toBe(cluster.clusterArn);
  expect(await arn('compute_environment')).toBe(ce.computeEnvironmentArn);
  expect(await arn('job_queue')).toBe(queue.jobQueueArn);
  expect(ce.computeResources?.type).toBe('FARGATE');
  await expect(page.locator('#drift')).toHaveCount(0);
  // The run is kept with its timed steps.
  const run = page.locator('#runs tr[data-kind=apply][data-state=succeeded]');
  await expect(run).toHaveCount(1);
  await expect(run.locator('ol.steps')).toContainText(`create ECS cluster ${name}`);
  await expect(run.locator('ol.steps')).toContainText(`create Batch job queue ${name}-queue`);
  // The plan reviewed before is kept as a run too.
  await expect(page.locator('#runs tr[data-kind=plan] ol.steps').first()).toContainText(`create ECS cluster ${name}`);
  const applied = page.locator('#activity tr[data-action="environment.apply"] td');
  await expect(applied.nth(1)).toHaveText(username);
  await expect(applied.nth(3)).toHaveText('127.0.0.1');

  // A change made in AWS behind the console's back shows as drift.
  await aws.batch.send(new UpdateJobQueueCommand({ jobQueue: `${name}-queue`, priority: 7 }));
  await page.reload();
  await hydrated(page);
  const drifted = page.locator('#drift tr[data-kind=job_queue][data-field=priority] td');
  await expect(drifted.nth(2)).toHaveText('1');
  await expect(drifted.nth(3)).toHaveText('7');
  // Refresh reads AWS as a recorded run that says what it found.
  await page.click('#refresh-form button[type=submit]');
  const refreshed = page.locator('#runs tr[data-kind=refresh] ol.steps');
  await expect(refreshed).toContainText(`Batch job queue ${name}-queue: VALID (${queue.jobQueueArn})`);
  await page.screenshot({ path: 'artifacts/environment-applied.png', fullPage: true });

  // The same name again is refused beside the name field.
  await page.goto('/environments/new');
  await hydrated(page);
  await page.fill('#new-environment-form input[name=name]', name);
  await page.click('#new-environment-form button[type=submit]');
  await expect(page.locator('#name-error')).toHaveText(`An environment named ${name} already exists in us-east-1`);

  // Destroy with a typed confirmation; AWS ends up without the resources.
  await page.goto(envUrl);
  await hydrated(page);
  await page.fill('#destroy-form input[name=confirm]', 'wrong');
  await page.click('#destroy-form button[type=submit]');
  await expect(page.locator('#confirm-error')).toHaveText(`Type the environment's name, ${name}, to confirm`);
  await page.fill('#destroy-form input[name=confirm]', name);
  await page.click('#destroy-form button[type=submit]');
  await expect(page.locator('#run-status [data-run-kind=destroy]')).toHaveAttribute('data-run', 'succeeded');
  await expect(status('cluster')).toHaveText('not in AWS');
  await expect(status('job_queue')).toHaveText('not in AWS');
  const after = await aws.batch.send(new DescribeJobQueuesCommand({ jobQueues: [`${name}-queue`] }));
  expect(after.jobQueues ?? []).toHaveLength(0);
  const ces = await aws.batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [`${name}-ce`] }));
  expect(ces.computeEnvironments ?? []).toHaveLength(0);
  const gone = (await aws.ecs.send(new DescribeClustersCommand({ clusters: [name] }))).clusters ?? [];
  expect(gone.filter((c) => c.status === 'ACTIVE')).toHaveLength(0);
  await page.screenshot({ path: 'artifacts/environment-destroyed.png', fullPage: true });
});
