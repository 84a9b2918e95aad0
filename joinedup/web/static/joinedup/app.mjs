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
