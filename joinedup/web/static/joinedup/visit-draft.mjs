// A visit's draft, kept on this device until the server has recorded the visit (issue 13).
//
// On the visit form (form[data-visit-draft="<case id>"]): every change is saved to localStorage under
// "joinedup:visit-draft:<case id>" (no personal data in the key), and a saved draft is put back when the form
// is opened again — after the connection dropped, the page was closed, or sending failed (offline, a server
// error). Sending while the browser knows it is offline is held back, with a message, and the draft kept.
// On the page that confirms the visit was recorded ([data-visit-draft-sent="<case id>"]) the draft is cleared:
// the only place it ever is, apart from the worker's "Discard the draft".
//
// Without JavaScript (or storage) the form works as any other: nothing here is needed to record a visit.

const PREFIX = "joinedup:visit-draft:";
const SKIP = new Set(["csrfmiddlewaretoken", "revision"]);

function storage() {
  try {
    const probe = `${PREFIX}probe`;
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch {
    return null; // private browsing or storage switched off: the form still works, without a draft
  }
}

function read(store, key) {
  try {
    const draft = JSON.parse(store.getItem(key) || "null");
    return draft && typeof draft.fields === "object" ? draft : null;
  } catch {
    return null;
  }
}

function fieldsOf(form) {
  const fields = {};
  for (const el of form.elements) {
    if (!el.name || SKIP.has(el.name) || el.disabled || el.type === "submit" || el.type === "button") continue;
    if (el.type === "radio") {
      if (!(el.name in fields)) fields[el.name] = "";
      if (el.checked) fields[el.name] = el.value;
    } else if (el.type === "checkbox") {
      if (!(el.name in fields)) fields[el.name] = [];
      if (el.checked) fields[el.name].push(el.value);
    } else {
      fields[el.name] = el.value;
    }
  }
  return fields;
}

function fill(form, fields) {
  for (const el of form.elements) {
    if (!el.name || SKIP.has(el.name) || !(el.name in fields)) continue;
    const value = fields[el.name];
    if (el.type === "radio") {
      el.checked = el.value === value;
    } else if (el.type === "checkbox") {
      el.checked = Array.isArray(value) && value.includes(el.value);
    } else if (typeof value === "string") {
      el.value = value;
    }
  }
}

function draftForm(form, store) {
  const key = PREFIX + form.dataset.visitDraft;
  const status = document.getElementById("visit-draft-status");
  const offline = document.getElementById("visit-draft-offline");
  const discard = document.getElementById("visit-draft-discard");
  const pristine = fieldsOf(form); // as the server drew it: now filled in, the plan's default
  const show = (on) => { if (status) status.hidden = !on; };

  const save = () => {
    try {
      store.setItem(key, JSON.stringify({ version: 1, savedAt: new Date().toISOString(), fields: fieldsOf(form) }));
      show(true);
    } catch {
      // storage full: the form still sends
    }
  };

  const draft = read(store, key);
  if (form.dataset.bound === "true") {
    save(); // sent, and refused or in conflict: what is on the page is the draft now
  } else if (draft) {
    fill(form, draft.fields);
    show(true);
  }

  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", (event) => {
    save();
    if (navigator.onLine === false && offline) {
      event.preventDefault();
      offline.hidden = false;
      offline.setAttribute("role", "alert");
      offline.focus();
    }
  });
  window.addEventListener("online", () => { if (offline) offline.hidden = true; });
  if (discard) {
    discard.addEventListener("click", () => {
      store.removeItem(key);
      fill(form, pristine);
      // Let the radios' revealed questions follow (these events do not bubble to the form, so nothing is saved).
      for (const el of form.querySelectorAll("input[type=radio]")) el.dispatchEvent(new Event("change"));
      show(false);
      form.querySelector("input, textarea")?.focus();
    });
  }
}

const store = storage();
if (store) {
  const sent = document.querySelector("[data-visit-draft-sent]");
  if (sent) store.removeItem(PREFIX + sent.dataset.visitDraftSent);
  const form = document.querySelector("form[data-visit-draft]");
  if (form) draftForm(form, store);
}
