/**
 * The dashboard in Debian's Chromium (playwright-core, never a downloaded browser) against the
 * local runtime: sign in, see a running agent, kill it with a reason, watch the row turn
 * killed and "1 of 1 stopped" without a reload, the agent's SDK instance aborted, the reason
 * in the audit view; a viewer sees no buttons. A screenshot is kept in test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { HaltAgent } from '../../sdk/agent';
import { HaltClient } from '../../sdk/operator-client';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime';

const root = join(__dirname, '..', '..');
const artifacts = join(root, 'test-artifacts');

// The dashboard is built once for all tests by test/global-setup.js.
describe('dashboard (Chromium, local runtime)', () => {
  let t: TestRuntime;
  let browser: Browser;
  let agent: HaltAgent;
  let operator: HaltClient;
  let dashboardUrl: string;

  beforeAll(async () => {
    t = await startTestRuntime();
    dashboardUrl = t.runtime.restUrl.replace(/\/v1$/, '/');
    operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const { agentKey } = await operator.createAgent({ agentId: 'email-campaign', name: 'Email campaign', tags: ['team=growth'] });
    agent = new HaltAgent({ url: t.runtime.restUrl, wsUrl: t.runtime.wsUrl, key: agentKey, agentId: 'email-campaign', instanceId: 'i-1' });
    agent.on('error', () => undefined);
    await agent.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.close();
    await t?.dispose();
  });

  const signIn = async (page: Page, key: string) => {
    await page.goto(dashboardUrl);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
  };

  it('kills a running agent from the dashboard and shows it stop, live', async () => {
    const page = await browser.newPage();
    await signIn(page, t.operatorKey);
    const row = page.locator('tr[data-agent-row="email-campaign"]');
    await row.getByText('active').waitFor();
    await page.getByText('● live').waitFor();

    // kill with a reason, through the dialog, with the keyboard-reachable buttons
    await row.getByRole('button', { name: 'Kill' }).click();
    await page.getByLabel('Reason (recorded in the audit trail)').fill('template breaks the law');
    await page.getByRole('button', { name: 'Kill email-campaign' }).click();
    // the answer says where the kill is enforced
    await page.locator('#toast', { hasText: 'email-campaign: killed (version 2); enforced in local-1;' }).waitFor({ timeout: 15_000 });

    // the row turns killed and the instance acknowledges, without a reload
    await row.locator('.badge.killed').waitFor({ timeout: 15_000 });
    await row.locator('[data-cell="instances"]').getByText('1 of 1 stopped').waitFor({ timeout: 15_000 });
    expect(agent.signal.aborted).toBe(true);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'dashboard-killed.png'), fullPage: true });

    // the audit view shows who and why
    await page.getByRole('link', { name: 'Audit' }).click();
    const auditRow = page.locator('table.audit tr', { hasText: 'template breaks the law' });
    await auditRow.waitFor();
    expect(await auditRow.innerText()).toContain('operator');
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await page.getByText(/Chain intact: \d+ events checked/).waitFor();
    await page.screenshot({ path: join(artifacts, 'dashboard-audit.png'), fullPage: true });
    await page.close();
  });

  it('shows a viewer no buttons it cannot use', async () => {
    const viewer = await operator.createKey({ name: 'wallboard', role: 'viewer' });
    const page = await browser.newPage();
    await signIn(page, viewer.key);
    await page.locator('tr[data-agent-row="email-campaign"]').waitFor();
    expect(await page.getByRole('button', { name: /^(Kill|Pause|Resume)/ }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Kill by tag' }).count()).toBe(0);
    await page.close();
  });
});
