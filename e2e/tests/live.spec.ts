// Live apply, against the second console whose AWS takes real-world time per call
// (e2e/slow-aws.py, 0.4 s per mutating call): the environment page follows the run's
// steps as they happen (no reload), with elapsed times; the job queue's creation is
// refused once (a ClientException), so the failing step shows AWS's operation, code,
// message and request id, and "retry the failed step" finishes the apply. Closing the
// tab and coming back picks the run up.
import { test, expect } from '@playwright/test';
import { createEnvironment, hydrated, signUp } from './helpers';

const port = Number(process.env.E2E_PORT ?? 3100);
test.use({ baseURL: `http://127.0.0.1:${port + 1}` });

test('apply shows live progress, the failed step with its AWS error, and the retry', async ({ page, context }) => {
  test.setTimeout(180_000);
  const suffix = Date.now().toString(36);
  const name = `live-fail-once-${suffix}`;
  await signUp(page, `live-${suffix}`);

  await createEnvironment(page, name);
  const envUrl = page.url().replace(/\/review$/, '');
  await hydrated(page);

  // Apply: the run is followed live on the environment page.
  await page.click('#apply-form button[type=submit]');
  await expect(page).toHaveURL(envUrl);
  const live = page.locator('#live-run');
  await expect(live).toHaveAttribute('data-state', 'running');
  await expect(page.locator('#run-elapsed')).toHaveAttribute('data-running', 'true');
  // Progress without a reload: watch the panel until the run ends, and see steps finish
  // while it is still running.
  const seen: string[] = [];
  let shot = false;
  for (let i = 0; i < 600; i++) {
    const [state, done, running] = await page.evaluate(() => [
      document.querySelector('#live-run')?.getAttribute('data-state') ?? '',
      document.querySelectorAll('#live-steps li[data-state=done]').length,
      document.querySelectorAll('#live-steps li[data-state=running]').length,
    ]);
    seen.push(`${state}:${done}:${running}`);
    if (state === 'running' && Number(done) > 0 && !shot) {
      await page.screenshot({ path: 'artifacts/live-apply-running.png', fullPage: true });
      shot = true;
    }
    if (state !== 'running') break;
    await page.waitForTimeout(100);
  }
  expect(seen.some((s) => /^running:[12]:[1-9]/.test(s)), seen.join(' ')).toBe(true);

  // The queue's creation is refused: the run fails on that step, with AWS's error.
  await expect(live).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  const failed = page.locator('#live-steps li[data-state=failed]');
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText(`${name}-queue`);
  await expect(failed.locator('.aws-error')).toHaveAttribute('data-code', 'ClientException');
  await expect(failed.locator('.operation')).toHaveText('batch:CreateJobQueue');
  await expect(failed.locator('.message')).toContainText('refused once by the test proxy');
  await expect(failed.locator('.request-id')).toHaveText('test-proxy-refusal');
  await expect(page.locator('#live-steps li[data-state=done]')).toHaveCount(2);
  await page.screenshot({ path: 'artifacts/live-apply-failed.png', fullPage: true });

  // Retry the failed step: only the queue is left, and the run succeeds.
  await expect(page.locator('#retry .retry-steps li')).toHaveCount(1);
  await page.click('#retry-form button[type=submit]');
  await expect(live).toHaveAttribute('data-state', 'running');

  // The run keeps going with the tab closed; a new tab picks it up.
  await page.close();
  const again = await context.newPage();
  await again.goto(envUrl);
  await hydrated(again);
  await expect(again.locator('#live-run')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(again.locator('#live-run')).toHaveAttribute('data-run-kind', 'apply');
  await expect(again.locator('#run-elapsed')).toHaveAttribute('data-running', 'false');
  await expect(again.locator('#live-steps li[data-state=failed]')).toHaveCount(0);
  await again.reload();
  await hydrated(again);
  await expect(again.locator('#resources tr[data-kind=job_queue] td.status')).toHaveText('VALID');
  await again.screenshot({ path: 'artifacts/live-apply-retried.png', fullPage: true });
});
