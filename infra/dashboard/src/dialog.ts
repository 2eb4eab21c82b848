/** The confirm step (a modal `<dialog>` asking for a reason), the toast, and announcements. */
import { $ } from './dom';

export interface ReasonRequest {
  title: string;
  text: string;
  /** The confirm button's text, e.g. "Kill email-campaign". */
  ok: string;
  /** A reason is required unless this is false (an approval's reason is optional). @default true */
  reasonRequired?: boolean;
  /** `danger` for what stops or refuses things, `primary` for what lets something through. @default 'danger' */
  tone?: 'danger' | 'primary';
}

/**
 * Ask for a reason and confirmation in the modal dialog; resolves to the reason (`''` when an
 * optional one was left empty), or `null` when cancelled.
 */
export const askReason = (request: ReasonRequest): Promise<string | null> =>
  new Promise((resolve) => {
    const required = request.reasonRequired ?? true;
    const dialog = $<HTMLDialogElement>('#confirm');
    const reason = $<HTMLTextAreaElement>('#confirm-reason');
    const ok = $<HTMLButtonElement>('#confirm-ok');
    $<HTMLElement>('#confirm-title').textContent = request.title;
    $<HTMLElement>('#confirm-text').textContent = request.text;
    $<HTMLElement>('#confirm-reason-label').textContent = required ? 'Reason (recorded in the audit trail)' : 'Reason (optional, recorded in the audit trail)';
    reason.required = required;
    ok.textContent = request.ok;
    ok.className = request.tone ?? 'danger';
    ok.value = 'ok';
    reason.value = '';
    dialog.returnValue = '';
    const onClose = () => {
      dialog.removeEventListener('close', onClose);
      const text = reason.value.trim();
      if (dialog.returnValue !== 'ok') resolve(null);
      else if (required && !text) resolve(null);
      else resolve(text);
    };
    dialog.addEventListener('close', onClose);
    $<HTMLButtonElement>('#confirm-cancel').onclick = () => dialog.close('cancel');
    dialog.showModal();
    reason.focus();
  });

/** A short visible message, also read out (the toast is a polite live region). */
export const toast = (text: string) => {
  const el = $<HTMLElement>('#toast');
  el.textContent = text;
  el.classList.add('show');
  window.setTimeout(() => el.classList.remove('show'), 6_000);
};

/** Read something out to screen readers without showing it (a polite live region). */
export const announce = (text: string) => {
  const el = $<HTMLElement>('#announce');
  el.textContent = '';
  window.setTimeout(() => {
    el.textContent = text;
  }, 50);
};
