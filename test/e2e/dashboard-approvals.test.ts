/**
 * The dashboard's approvals, fleet action kills and shadow counts in Debian's Chromium
 * (playwright-core, never a downloaded browser) against the local runtime: an agent's held
 * call shows up pending on the operator's and a viewer's page without a reload; the operator
 * approves it and the agent's same call is then admitted; a denied one stays refused; an
 * action killed from the page is refused fleet-wide until lifted from the page; a viewer gets
 * no buttons. Screenshots are kept in test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime';

const root = join(__dirname, '..', '..');
const artifacts = join(root, 'test-artifacts');
const UI_WAIT = { timeout: 20_000 };

// The dashboard is built once for all tests by test/global-setup.js.
describe('dashboard approvals and fleet action kills (Chromium, local runtime)', () => {
  let t: TestRuntime;
  let browser: Browser;
  let dashboardUrl: string;
  let agentKey: string;
  let viewerKey: string;

  beforeAll(async () => {
    t = await startTestRuntime();
    dashboardUrl = t.runtime.restUrl.replace(/\/v1$/, '/');
    const created = await t.api('POST', '/v1/agents', {
      body: { agentId: 'mailer', name: 'Newsletter mailer', policy: { approval: { actions: ['email.send_all'] } } },
    });
    expect(created.status).toBe(201);
    agentKey = created.body.agentKey;
    const viewer = await t.api('POST', '/v1/keys', { body: { name: 'wallboard', role: 'viewer' } });
    expect(viewer.status).toBe(201);
    viewerKey = viewer.body.key;
    mkdirSync(artifacts, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  /** The agent's side: plain HTTP with its own key. */
  const intent = (body: Record<string, unknown>) =>
    t.api('POST', '/v1/agents/mailer/intents', { key: agentKey, body: { instanceId: 'i-1', ...body } });

  /** Sign in and wait for the watch to be live; marks the document so a reload would show. */
  const signIn = async (key: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(dashboardUrl);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /^Pending approvals/ }).waitFor(UI_WAIT);
    await page.getByText('● live').waitFor(UI_WAIT);
    await page.evaluate(() => {
      (globalThis as any).notReloaded = true;
    });
    return page;
  };
  const notReloaded = (page: Page) => page.evaluate(() => (globalThis as any).notReloaded === true);
  const dialog = (page: Page) => page.locator('dialog#confirm');

  const payload = { subject: 'Spring sale', audience: 'all-subscribers', html: '<img src=x onerror="window.pwned=true">Hello' };

  it('shows a held call live, lets the operator approve it, and the agent then proceeds', async () => {
    const operator = await signIn(t.operatorKey);
    const viewer = await signIn(viewerKey);

    // the agent asks; the gateway holds the call for a person
    const held = await intent({ action: 'email.send_all', costUsd: 1.5, payload });
    expect(held.status).toBe(403);
    expect(held.body.error.code).toBe('approval_required');
    const approvalId: string = held.body.error.approval.approvalId;
    expect(held.body.error.approval.status).toBe('pending');

    // both pages show it pending, pushed over the watch, without a reload
    const item = (page: Page) => page.locator(`#approval-list li[data-approval="${approvalId}"]`);
    for (const page of [operator, viewer]) {
      await item(page).waitFor(UI_WAIT);
      await item(page).locator('[data-approval-status]', { hasText: 'pending' }).waitFor(UI_WAIT);
      const text = await item(page).innerText();
      expect(text).toContain('email.send_all');
      expect(text).toContain('mailer');
      expect(text).toContain('i-1');
      expect(text).toContain('$1.50');
      // the payload is shown as text, never as markup
      const shown = await item(page).locator('pre.payload').innerText();
      expect(JSON.parse(shown)).toEqual(payload);
      expect(await item(page).locator('img').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as any).pwned)).toBeUndefined();
      expect(await notReloaded(page)).toBe(true);
    }
    await operator.screenshot({ path: join(artifacts, 'dashboard-approval-pending.png'), fullPage: true });

    // a viewer sees the request but cannot decide it, nor kill actions
    expect(await item(viewer).getByRole('button').count()).toBe(0);
    expect(await viewer.getByRole('button', { name: /^(Approve|Deny|Kill action|Lift)/ }).count()).toBe(0);
    await viewer.screenshot({ path: join(artifacts, 'dashboard-approval-viewer.png'), fullPage: true });

    // the operator approves, through the dialog (the reason is optional)
    await item(operator).getByRole('button', { name: 'Approve' }).click();
    await dialog(operator).getByLabel('Reason (optional, recorded in the audit trail)').fill('audience checked with marketing');
    await dialog(operator).getByRole('button', { name: 'Approve email.send_all' }).click();
    for (const page of [operator, viewer]) await item(page).locator('[data-approval-status]', { hasText: 'approved' }).waitFor(UI_WAIT);
    expect(await item(operator).getByRole('button', { name: /^(Approve|Deny)$/ }).count()).toBe(0);
    expect(await item(operator).innerText()).toContain('audience checked with marketing');
    expect(await notReloaded(viewer)).toBe(true);
    await operator.screenshot({ path: join(artifacts, 'dashboard-approval-approved.png'), fullPage: true });

    // the agent proceeds with the same call, once
    const admitted = await intent({ action: 'email.send_all', costUsd: 1.5, payload, approvalId });
    expect(admitted.status).toBe(202);
    expect(typeof admitted.body.intentId).toBe('string');
    const again = await intent({ action: 'email.send_all', costUsd: 1.5, payload, approvalId });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('approval_invalid');

    await operator.close();
    await viewer.close();
  });

  it('denies a held call only with a reason, and the agent stays refused', async () => {
    const operator = await signIn(t.operatorKey);
    const held = await intent({ action: 'email.send_all', payload: { subject: 'Second try' } });
    expect(held.body.error?.code).toBe('approval_required');
    const approvalId: string = held.body.error.approval.approvalId;
    const item = operator.locator(`#approval-list li[data-approval="${approvalId}"]`);
    await item.waitFor(UI_WAIT);

    await item.getByRole('button', { name: 'Deny' }).click();
    const reason = dialog(operator).getByLabel('Reason (recorded in the audit trail)');
    // without a reason the dialog does not let the denial through
    await dialog(operator).getByRole('button', { name: 'Deny email.send_all' }).click();
    expect(await dialog(operator).getAttribute('open')).not.toBeNull();
    expect((await t.api('GET', `/v1/approvals/${approvalId}`)).body.status).toBe('pending');
    await reason.fill('not during the freeze');
    await dialog(operator).getByRole('button', { name: 'Deny email.send_all' }).click();
    await item.locator('[data-approval-status]', { hasText: 'denied' }).waitFor(UI_WAIT);
    expect(await item.innerText()).toContain('not during the freeze');

    const refused = await intent({ action: 'email.send_all', payload: { subject: 'Second try' }, approvalId });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('approval_denied');
    await operator.close();
  });

  it('kills an action glob across the fleet from the page, and lifts it', async () => {
    const operator = await signIn(t.operatorKey);
    const viewer = await signIn(viewerKey);
    expect((await intent({ action: 'crm.delete_contacts' })).status).toBe(202);

    // a bare "*" is not sent without the explicit confirmation
    await operator.getByLabel('Action or glob').fill('*');
    await operator.getByRole('button', { name: 'Kill action…' }).click();
    await operator.getByRole('alert').filter({ hasText: 'refuses every action of every agent' }).waitFor(UI_WAIT);
    expect(await dialog(operator).getAttribute('open')).toBeNull();
    expect((await t.api('GET', '/v1/actions')).body.killed).toEqual([]);

    await operator.getByLabel('Action or glob').fill('crm.delete_*');
    await operator.getByRole('button', { name: 'Kill action…' }).click();
    await dialog(operator).getByLabel('Reason (recorded in the audit trail)').fill('contacts vanishing in prod');
    await dialog(operator).getByRole('button', { name: 'Kill crm.delete_*' }).click();
    for (const page of [operator, viewer]) {
      const row = page.locator('tr[data-killed-action="crm.delete_*"]');
      await row.waitFor(UI_WAIT);
      expect(await row.innerText()).toContain('contacts vanishing in prod');
    }
    expect(await notReloaded(viewer)).toBe(true);
    expect(await viewer.getByRole('button', { name: /^Lift/ }).count()).toBe(0);
    await operator.screenshot({ path: join(artifacts, 'dashboard-action-killed.png'), fullPage: true });

    const refused = await intent({ action: 'crm.delete_contacts' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('action_killed');

    // lift it, with a reason
    await operator.getByRole('button', { name: 'Lift crm.delete_*' }).click();
    await dialog(operator).getByLabel('Reason (recorded in the audit trail)').fill('root cause fixed');
    await dialog(operator).getByRole('button', { name: 'Lift the kill of crm.delete_*' }).click();
    for (const page of [operator, viewer]) {
      await page.locator('tr[data-killed-action="crm.delete_*"]').waitFor({ state: 'detached', ...UI_WAIT });
      await page.getByText('No action is killed fleet-wide.').waitFor(UI_WAIT);
    }
    expect((await intent({ action: 'crm.delete_contacts' })).status).toBe(202);
    await operator.close();
    await viewer.close();
  });

  it("shows a shadow policy's would-be refusals per agent and the mode on its page", async () => {
    const created = await t.api('POST', '/v1/agents', {
      body: { agentId: 'shadowed', name: 'Shadowed agent', policy: { mode: 'shadow', actions: { deny: ['payments.*'] } } },
    });
    expect(created.status).toBe(201);
    const admitted = await t.api('POST', '/v1/agents/shadowed/intents', {
      key: created.body.agentKey,
      body: { instanceId: 'i-1', action: 'payments.refund' },
    });
    expect(admitted.status).toBe(202);
    expect(admitted.body.wouldRefuse?.code).toBe('action_denied');

    const page = await signIn(viewerKey);
    const cell = page.locator('tr[data-agent-row="shadowed"] [data-cell="would-refuse"]');
    await cell.waitFor(UI_WAIT);
    expect((await cell.innerText()).trim()).toMatch(/^1\b/);
    expect((await page.locator('tr[data-agent-row="mailer"] [data-cell="would-refuse"]').innerText()).trim()).toBe('0');

    await page.getByRole('link', { name: 'Shadowed agent' }).click();
    await page.getByText(/Policy mode: shadow/).waitFor(UI_WAIT);
    await page.screenshot({ path: join(artifacts, 'dashboard-shadow-agent.png'), fullPage: true });
    await page.close();
  });
});
