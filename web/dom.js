// Small DOM helpers shared by the entry module and the panels. The setters skip writes that
// would not change anything: a refresh that changes nothing then costs no style or layout
// work, however long the list (docs/PERFORMANCE.md).

export const $ = (sel) => document.querySelector(sel);

export function setHidden(el, hidden) {
  if (el.hidden !== hidden) el.hidden = hidden;
}

export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Copies text to the clipboard; says whether it worked through notices. */
export async function copyText(text, done, notices) {
  let ok = false;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch { /* fall back below */ }
  }
  if (!ok) {
    // Fallback for plain-http origins and older browsers.
    const buffer = $('#copy-buffer');
    const active = document.activeElement;
    buffer.value = text;
    buffer.select();
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    buffer.value = '';
    if (active && active.focus) active.focus();
  }
  notices.info(ok ? done : 'Copy did not work here; select the command and copy it by hand.', ok ? 'success' : 'error', 3000);
}
