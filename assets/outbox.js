/* Caseline on the device: drafts, the outbox of notes waiting for a connection, and the service
 * worker. Plain script outside Reflex on purpose: Reflex's event queue lives in memory and is
 * lost when a page reloads or a phone kills the tab; what is kept here survives both.
 *
 * Nothing of a case is kept on the device except what the worker is typing: a draft (in
 * localStorage, per user and case) and notes they pressed Save on without a connection (in
 * IndexedDB, until the server has them). Sign-out removes both, after a warning if unsent.
 */
(() => {
  'use strict';

  const DB_NAME = 'caseline';
  const STORE = 'outbox';
  const DRAFT_PREFIX = 'caseline.draft.';
  const OUTBOX_LIMIT_BYTES = 50 * 1024 * 1024; // photos waiting on a phone: a generous cap
  const RETRY_MS = 30000;

  // ---- IndexedDB outbox ---------------------------------------------------------------------

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, {keyPath: 'ref'});
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function done(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, fn) {
    const db = await openDb();
    try {
      const tx = db.transaction(STORE, mode);
      const finished = new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = tx.onabort = () => reject(tx.error || new Error('outbox transaction failed'));
      });
      const result = await fn(tx.objectStore(STORE));
      await finished;
      return result;
    } finally {
      db.close();
    }
  }

  const outbox = {
    all: () => withStore('readonly', (s) => done(s.getAll())).then(
      (items) => items.sort((a, b) => a.createdAt - b.createdAt)),
    put: (item) => withStore('readwrite', (s) => done(s.put(item))),
    remove: (ref) => withStore('readwrite', (s) => done(s.delete(ref))),
    clear: () => withStore('readwrite', (s) => done(s.clear())),
  };

  function newRef() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // randomUUID needs a secure context; this does not
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---- Drafts ---------------------------------------------------------------------------------

  function draftKey(form) {
    return `${DRAFT_PREFIX}${form.dataset.user}.${form.dataset.case}`;
  }

  function offlineAllowed(el) {
    return (el && el.dataset.offlineDrafts) === 'true';
  }

  function readDraft(user, caseId) {
    try {
      return JSON.parse(localStorage.getItem(`${DRAFT_PREFIX}${user}.${caseId}`) || 'null');
    } catch {
      return null;
    }
  }

  function draftsWithText() {
    const keys = [];
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith(DRAFT_PREFIX)) continue;
      try {
        if ((JSON.parse(localStorage.getItem(key)) || {}).text) keys.push(key);
      } catch {
        keys.push(key);
      }
    }
    return keys;
  }

  function field(form, id) {
    return form.querySelector(`#${id}`);
  }

  function readForm(form) {
    const privateBox = field(form, 'private');
    const concern = field(form, 'form-concern');
    return {
      kind: field(form, 'interaction-type')?.value || 'note',
      when: field(form, 'occurred-at')?.value || '',
      text: field(form, 'notes')?.value || '',
      private: privateBox ? privateBox.getAttribute('aria-checked') === 'true' : false,
      concern: concern ? concern.value : '',
    };
  }

  function saveDraft(form) {
    if (!offlineAllowed(form)) return;
    const values = readForm(form);
    try {
      if (values.text.trim()) {
        localStorage.setItem(draftKey(form), JSON.stringify({...values, at: Date.now()}));
      } else {
        localStorage.removeItem(draftKey(form));
      }
    } catch {
      // Storage full or refused: the text is still in the form.
    }
  }

  function setPrivate(form, wanted) {
    const box = field(form, 'private');
    if (box && (box.getAttribute('aria-checked') === 'true') !== Boolean(wanted)) box.click();
  }

  function restoreDraft(form) {
    if (!offlineAllowed(form) || form.dataset.restored) return;
    form.dataset.restored = '1';
    const draft = readDraft(form.dataset.user, form.dataset.case);
    const notes = field(form, 'notes');
    if (!draft || !draft.text || !notes || notes.value.trim()) return;
    notes.value = draft.text;
    const kind = field(form, 'interaction-type');
    if (kind && draft.kind) kind.value = draft.kind;
    const when = field(form, 'occurred-at');
    if (when && draft.when) when.value = draft.when;
    const concern = field(form, 'form-concern');
    if (concern && draft.concern) concern.value = draft.concern;
    setPrivate(form, draft.private);
    formMessage(form, 'Draft restored from this device.', 'info');
  }

  let draftTimer = 0;
  document.addEventListener('input', (event) => {
    const form = event.target.closest && event.target.closest('#interaction-form');
    if (!form) return;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => saveDraft(form), 250);
  }, true);
  document.addEventListener('change', (event) => {
    const form = event.target.closest && event.target.closest('#interaction-form');
    if (!form) return;
    if (event.target.id === 'attachments') showChosenFiles(form);
    saveDraft(form);
  }, true);
  document.addEventListener('click', (event) => {
    // The private checkbox is a button: its state flips after the click, so read it next tick.
    const form = event.target.closest && event.target.closest('#interaction-form');
    if (form && event.target.closest('#private')) setTimeout(() => saveDraft(form), 0);
  }, true);
  const saveOpenDraft = () => {
    const form = document.getElementById('interaction-form');
    if (form) saveDraft(form);
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saveOpenDraft();
  });
  window.addEventListener('pagehide', saveOpenDraft);

  function showChosenFiles(form) {
    const input = field(form, 'attachments');
    const list = field(form, 'chosen-files');
    if (!input || !list) return;
    list.replaceChildren(...Array.from(input.files || [], (file) => {
      const li = document.createElement('li');
      li.textContent = `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)`;
      return li;
    }));
  }

  // ---- Messages -------------------------------------------------------------------------------

  function formMessage(form, text, kind) {
    const box = field(form, 'form-status');
    if (!box) return;
    box.textContent = text;
    box.dataset.kind = kind || 'info';
    box.hidden = !text;
  }

  let statusBox = null;
  let flash = '';
  let flashTimer = 0;

  function ensureStatus() {
    if (statusBox && statusBox.isConnected) return statusBox;
    statusBox = document.getElementById('device-status');
    if (!statusBox) {
      statusBox = document.createElement('div');
      statusBox.id = 'device-status';
      document.body.appendChild(statusBox);
    }
    statusBox.className = 'device-status';
    statusBox.setAttribute('role', 'status');
    statusBox.setAttribute('aria-live', 'polite');
    return statusBox;
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many}`;
  }

  let waitingReason = ''; // '', 'signed_out' or 'wrong_user'

  async function render() {
    let items = [];
    try {
      items = await outbox.all();
    } catch {
      items = [];
    }
    const waiting = items.filter((i) => i.state !== 'problem');
    const problems = items.filter((i) => i.state === 'problem');
    const parts = [];
    if (flash) parts.push(flash);
    const offlinePage = document.documentElement.dataset.page === 'offline';
    if (waiting.length) {
      const notes = plural(waiting.length, 'note', 'notes');
      if (waitingReason === 'signed_out') {
        parts.push(`${notes} saved on this device. Sign in to send them.`);
      } else if (waitingReason === 'wrong_user') {
        const names = [...new Set(waiting.map((i) => i.authorName))].join(', ');
        parts.push(`${notes} waiting for ${names} to sign in on this device.`);
      } else {
        parts.push(`${notes} waiting to send.${flash ? '' : " They will send when you're back online."}`);
      }
    } else if (!navigator.onLine && !flash && !offlinePage) {
      const page = document.querySelector('[data-offline-drafts]');
      parts.push(page && !offlineAllowed(page)
        ? "You're offline. Your organisation keeps no notes on devices, so Caseline needs a "
          + 'connection to save.'
        : "You're offline. You can keep writing: notes you save wait on this device.");
    }
    if (!parts.length && !problems.length) {
      if (statusBox) statusBox.hidden = true;
      document.body.classList.remove('has-device-status');
      return;
    }
    const box = ensureStatus();
    box.hidden = false;
    document.body.classList.add('has-device-status'); // so it never hides the page's last lines
    const message = document.createElement('p');
    message.className = 'device-status-message';
    message.textContent = parts.join(' ');
    const children = [message];
    if (waiting.length && waitingReason === 'signed_out' && !location.pathname.startsWith('/sign-in')) {
      const link = document.createElement('a');
      link.href = `/sign-in?next=${encodeURIComponent(location.pathname)}`;
      link.textContent = 'Sign in';
      link.className = 'device-status-action';
      children.push(link);
    }
    if (problems.length) children.push(problemList(problems));
    box.replaceChildren(...children);
  }

  function problemList(problems) {
    const details = document.createElement('details');
    details.className = 'device-status-problems';
    const summary = document.createElement('summary');
    summary.textContent = `${plural(problems.length, 'note', 'notes')} could not be sent — open to see why`;
    const list = document.createElement('ul');
    for (const item of problems) {
      const li = document.createElement('li');
      const why = document.createElement('p');
      const errors = item.problem && item.problem.errors ? Object.values(item.problem.errors) : [];
      why.textContent = (item.problem && item.problem.message) || errors.join(' ') || 'Not sent.';
      const text = document.createElement('p');
      text.className = 'device-status-note';
      text.textContent = `${item.caseLabel}: ${item.text.slice(0, 160)}${item.text.length > 160 ? '…' : ''}`;
      const actions = document.createElement('div');
      actions.className = 'device-status-buttons';
      actions.append(button('Send again', () => retry(item, false)));
      if (item.problem && item.problem.outcome === 'conflict' && item.concern) {
        actions.append(button('Send without the concern change', () => retry(item, true)));
      }
      actions.append(button('Copy text', () => navigator.clipboard?.writeText(item.text)));
      actions.append(button('Discard', async () => {
        if (window.confirm('Delete this note from this device? It has not been saved to Caseline.')) {
          await outbox.remove(item.ref);
          render();
        }
      }));
      li.append(text, why, actions);
      list.append(li);
    }
    details.append(summary, list);
    return details;
  }

  function button(label, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', onClick);
    return b;
  }

  async function retry(item, withoutConcern) {
    const next = {...item, state: 'waiting', problem: null};
    if (withoutConcern) next.concern = '';
    await outbox.put(next);
    await flush();
  }

  function showFlash(text) {
    flash = text;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      flash = '';
      render();
    }, 8000);
    render();
  }

  // ---- Sending --------------------------------------------------------------------------------

  async function send(item) {
    const body = new FormData();
    body.set('case_id', String(item.caseId));
    body.set('client_ref', item.ref);
    body.set('author', String(item.author));
    body.set('kind', item.kind);
    body.set('occurred_at', item.when);
    body.set('text', item.text);
    body.set('private', item.private ? 'true' : 'false');
    body.set('concern_level', item.concern || '');
    body.set('expected_version', String(item.expectedVersion || ''));
    for (const file of item.files || []) body.append('attachments', file.blob, file.name);
    let response;
    try {
      response = await fetch('/api/interactions', {
        method: 'POST', body, credentials: 'same-origin', cache: 'no-store',
      });
    } catch {
      return {outcome: 'offline'};
    }
    try {
      const answer = await response.json();
      if (answer && answer.outcome) return answer;
    } catch {
      // a proxy's error page, say: try again later
    }
    return {outcome: response.status === 413 ? 'invalid' : 'later',
      errors: response.status === 413 ? {attachments: 'These files are too large to send.'} : undefined};
  }

  // Tell the Reflex page (if it is one) what happened, through a hidden input it listens to.
  function tellPage(report) {
    const bridge = document.getElementById('outbox-bridge');
    if (!bridge) return;
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    setValue.call(bridge, JSON.stringify({...report, at: Date.now()}));
    bridge.dispatchEvent(new Event('input', {bubbles: true}));
  }

  let flushing = null;

  function flush() {
    if (!flushing) {
      const run = () => flushOnce().finally(() => render());
      flushing = (navigator.locks ? navigator.locks.request('caseline-outbox', run) : run())
        .catch(() => undefined)
        .finally(() => { flushing = null; });
    }
    return flushing;
  }

  async function flushOnce() {
    const items = (await outbox.all()).filter((i) => i.state !== 'problem');
    if (!items.length) {
      waitingReason = '';
      return;
    }
    const sentCases = [];
    let reason = '';
    for (const item of items) {
      if (!navigator.onLine) break;
      const answer = await send(item);
      if (answer.outcome === 'saved') {
        await outbox.remove(item.ref);
        sentCases.push(String(item.caseId));
      } else if (['invalid', 'conflict', 'refused'].includes(answer.outcome)) {
        await outbox.put({...item, state: 'problem', problem: answer});
      } else if (answer.outcome === 'signed_out') {
        reason = 'signed_out';
        break;
      } else if (answer.outcome === 'wrong_user') {
        reason = reason || 'wrong_user';
      } else {
        break; // no connection or server trouble: the next attempt will try again
      }
    }
    waitingReason = reason;
    if (sentCases.length) {
      showFlash(`${plural(sentCases.length, 'note', 'notes')} saved on this device ${sentCases.length === 1 ? 'has' : 'have'} been sent.`);
      const here = document.querySelector('[data-case]');
      if (here && sentCases.includes(here.dataset.case)) tellPage({outcome: 'sent'});
    }
  }

  // ---- Save -----------------------------------------------------------------------------------

  let saving = false;

  async function onSave(saveButton) {
    const form = saveButton.closest('#interaction-form');
    if (!form || saving) return;
    const values = readForm(form);
    formMessage(form, '', 'info');
    if (!values.text.trim()) {
      formMessage(form, 'Notes cannot be empty.', 'error');
      field(form, 'notes')?.focus();
      return;
    }
    const input = field(form, 'attachments');
    const chosen = Array.from((input && input.files) || []);
    // One reference per note: a second tap, or a re-send after a lost answer, is the same save.
    // An edited note is a new save: the server would answer a reused reference with the old one.
    const content = JSON.stringify([values, chosen.map((f) => [f.name, f.size])]);
    if (!form.dataset.pendingRef || form.dataset.pendingContent !== content) form.dataset.pendingRef = newRef();
    form.dataset.pendingContent = content;
    const item = {
      ref: form.dataset.pendingRef,
      author: Number(form.dataset.user),
      authorName: form.dataset.userName || 'another user',
      caseId: Number(form.dataset.case),
      caseLabel: form.dataset.caseLabel || `Case ${form.dataset.case}`,
      expectedVersion: Number(form.dataset.version || 0),
      ...values,
      files: chosen.map((file) => ({name: file.name, type: file.type, blob: file})),
      createdAt: Date.now(),
      state: 'waiting',
    };
    saving = true;
    saveButton.setAttribute('aria-busy', 'true');
    saveButton.disabled = true;
    try {
      await save(form, item);
    } finally {
      saving = false;
      saveButton.removeAttribute('aria-busy');
      saveButton.disabled = false;
    }
  }

  async function save(form, item) {
    const mayKeep = offlineAllowed(form);
    let kept = false;
    if (mayKeep) {
      const size = item.files.reduce((sum, f) => sum + f.blob.size, 0);
      const waiting = (await outbox.all().catch(() => [])).reduce(
        (sum, i) => sum + (i.files || []).reduce((s, f) => s + f.blob.size, 0), 0);
      if (size + waiting <= OUTBOX_LIMIT_BYTES) {
        try {
          await outbox.put(item);
          kept = true;
        } catch {
          kept = false; // storage refused: fall through to a direct send, the form keeps the text
        }
      }
    }
    const answer = navigator.onLine ? await send(item) : {outcome: 'offline'};
    if (answer.outcome === 'saved') {
      if (kept) await outbox.remove(item.ref);
      clearForm(form);
      closeForm();
      tellPage({outcome: 'saved'});
      return;
    }
    if (['invalid', 'conflict', 'refused'].includes(answer.outcome)) {
      // Nothing was saved and everything is still in the form: show why beside the fields.
      if (kept) await outbox.remove(item.ref);
      delete form.dataset.pendingRef;
      const errors = answer.errors || {};
      formMessage(form, answer.message || Object.values(errors).join(' '), 'error');
      tellPage({outcome: answer.outcome, errors, message: answer.message || ''});
      return;
    }
    if (kept) {
      clearForm(form);
      if (answer.outcome === 'signed_out' || answer.outcome === 'wrong_user') {
        waitingReason = 'signed_out';
        formMessage(form, 'Saved on this device. Sign in again to send it.', 'info');
      } else {
        // The words the issue asked for: workers know at a glance the note is safe.
        formMessage(form, "Saved on this phone — will send when you're back online.", 'info');
        showFlash("Saved on this phone — will send when you're back online.");
      }
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
      render();
      return;
    }
    if (answer.outcome === 'signed_out') {
      formMessage(form, 'You were signed out. Your note is still here: sign in again in a new tab, '
        + 'then press Save.', 'error');
    } else if (!mayKeep) {
      formMessage(form, 'No connection. Your organisation keeps no notes on devices, so Caseline '
        + 'needs a connection to save. Your note is still here: press Save again when you have signal.', 'error');
    } else {
      formMessage(form, 'These files are too large to keep on this device until you are back online. '
        + 'Remove them and save the note, or press Save again when you have signal.', 'error');
    }
  }

  function clearForm(form) {
    const notes = field(form, 'notes');
    if (notes) notes.value = '';
    const input = field(form, 'attachments');
    if (input) input.value = '';
    showChosenFiles(form);
    setPrivate(form, false);
    delete form.dataset.pendingRef;
    delete form.dataset.pendingContent;
    try {
      localStorage.removeItem(draftKey(form));
    } catch {
      // nothing kept
    }
  }

  document.addEventListener('click', (event) => {
    const saveButton = event.target.closest && event.target.closest('#save-interaction');
    if (!saveButton) return;
    event.preventDefault();
    onSave(saveButton);
  }, true);

  // ---- Sign-out: nothing left behind, nothing lost without a warning ----------------------------

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.action.endsWith('/auth/sign-out')) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    saveOpenDraft();
    if (navigator.onLine) await flush();
    const items = await outbox.all().catch(() => []);
    const drafts = draftsWithText();
    if (items.length || drafts.length) {
      const parts = [];
      if (items.length) parts.push(`${plural(items.length, 'note', 'notes')} saved on this device ${items.length === 1 ? 'has' : 'have'} not been sent yet`);
      if (drafts.length) parts.push(`${plural(drafts.length, 'draft', 'drafts')} not saved`);
      const ok = window.confirm(`${parts.join(', and ')}. Signing out deletes ${items.length + drafts.length === 1 ? 'it' : 'them'} from this device. Sign out anyway?`);
      if (!ok) {
        render();
        return;
      }
    }
    await outbox.clear().catch(() => {});
    for (const key of drafts) localStorage.removeItem(key);
    form.submit();
  }, true);

  // ---- Start ------------------------------------------------------------------------------------

  // ---- Opening and closing the form: on the device, so it works with no connection ---------------

  function localNow() {
    const d = new Date();
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  }

  function openForm(focus) {
    const wrapper = document.getElementById('interaction-form-wrapper');
    const form = document.getElementById('interaction-form');
    const opener = document.getElementById('open-interaction-form');
    if (!wrapper || !form) return;
    const when = field(form, 'occurred-at');
    // A form opened long after the page loaded should not start in the past.
    if (when && !form.dataset.whenTouched && !field(form, 'notes')?.value) when.value = localNow();
    wrapper.hidden = false;
    if (opener) {
      opener.setAttribute('aria-expanded', 'true');
      opener.hidden = true;
    }
    restoreDraft(form);
    if (focus) field(form, 'notes')?.focus();
  }

  function closeForm() {
    const wrapper = document.getElementById('interaction-form-wrapper');
    const opener = document.getElementById('open-interaction-form');
    const form = document.getElementById('interaction-form');
    if (form) {
      saveDraft(form);
      formMessage(form, '', 'info');
    }
    if (wrapper) wrapper.hidden = true;
    if (opener) {
      opener.hidden = false;
      opener.setAttribute('aria-expanded', 'false');
      opener.focus();
    }
  }

  document.addEventListener('click', (event) => {
    const target = event.target.closest && event.target.closest('#open-interaction-form, #cancel-interaction');
    if (!target) return;
    event.preventDefault();
    if (target.id === 'open-interaction-form') openForm(true);
    else closeForm();
  }, true);
  document.addEventListener('input', (event) => {
    if (event.target.id === 'occurred-at') {
      const form = event.target.closest('#interaction-form');
      if (form) form.dataset.whenTouched = '1';
    }
  }, true);

  function watchForms() {
    const check = () => {
      const page = document.getElementById('case-page');
      const form = document.getElementById('interaction-form');
      if (!page || !form || page.dataset.draftChecked === form.dataset.case || !form.dataset.case
          || form.dataset.case === '0' || !form.dataset.user || form.dataset.user === '0') return;
      page.dataset.draftChecked = form.dataset.case; // the page element is reused across cases
      const draft = offlineAllowed(form) && readDraft(form.dataset.user, form.dataset.case);
      // A note half-written when the tab was closed or the phone locked: open it to carry on.
      if (draft && draft.text) openForm(false);
    };
    new MutationObserver(check).observe(document.body, {childList: true, subtree: true});
    check();
  }

  function start() {
    if ('serviceWorker' in navigator) {
      navigator.serviceWorker.register('/sw.js', {scope: '/'}).catch(() => undefined);
    }
    watchForms();
    document.getElementById('try-again')?.addEventListener('click', () => location.reload());
    window.addEventListener('online', () => {
      flush().then(() => {
        // The offline page stands in for the page that failed to load: go back to it.
        if (document.documentElement.dataset.page === 'offline') location.reload();
      });
    });
    window.addEventListener('offline', render);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && navigator.onLine) flush();
    });
    setInterval(() => {
      if (navigator.onLine) flush();
    }, RETRY_MS);
    flush();
  }

  window.caselineOutbox = {flush, all: outbox.all, render};

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
