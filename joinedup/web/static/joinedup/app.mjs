// Starts GOV.UK Frontend's components. Served from /static/ like everything else (no CDN).
import { initAll } from "../build/govuk-frontend.min.js";

initAll();

// Conditional reveals under radios (GOV.UK's pattern) without the aria-expanded GOV.UK Frontend's radios set,
// which the radio role does not allow (axe: aria-allowed-attr). No aria-controls either: GOV.UK Frontend's radios
// would find it and set aria-expanded again. The revealed content follows its radio; without JavaScript it is
// always shown.
for (const radio of document.querySelectorAll("input[type=radio][data-app-reveals]")) {
  const revealed = document.getElementById(radio.dataset.appReveals);
  if (!revealed) continue;
  const sync = () => revealed.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
  for (const other of document.querySelectorAll(`input[type=radio][name="${CSS.escape(radio.name)}"]`)) {
    other.addEventListener("change", sync);
  }
  sync();
}

// Signing out leaves nothing of a child behind on this device: drafts kept while offline (a visit's) hold
// personal data, so they go with the session. (A draft not yet sent is lost: the page says it is kept only
// until sent, and signing out is the person's choice.)
const signOut = document.querySelector("form.app-sign-out");
if (signOut) {
  signOut.addEventListener("submit", () => {
    try {
      for (const key of Object.keys(window.localStorage)) {
        if (key.startsWith("joinedup:")) window.localStorage.removeItem(key);
      }
    } catch (_) {
      // storage disabled: there is nothing to clear
    }
  });
}

// Any screen size (issue 19). On a phone a table wider than the page scrolls sideways within itself (the
// stylesheet), not the page; while it does, it takes the keyboard's focus so that keyboard users can scroll it too.
// The table stays a table, named by its caption.
const tables = [...document.querySelectorAll("main table")].filter((t) => !t.closest(".app-scroll-region"));
const fitTables = () => {
  for (const table of tables) {
    if (table.scrollWidth > table.clientWidth + 1) table.setAttribute("tabindex", "0");
    else table.removeAttribute("tabindex");
  }
};
fitTables();
window.addEventListener("resize", fitTables);

// The who-knew-what grid (and any region marked so) opens scrolled to its newest months, on the right.
for (const region of document.querySelectorAll("[data-app-scroll-to-end]")) {
  region.scrollLeft = region.scrollWidth;
}

// The menu's "More": closed by Escape (focus back on "More") or a click anywhere else.
const more = document.querySelector("[data-app-menu-more]");
if (more) {
  document.addEventListener("click", (event) => {
    if (more.open && !more.contains(event.target)) more.open = false;
  });
  more.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && more.open) {
      more.open = false;
      more.querySelector("summary").focus();
    }
  });
}
