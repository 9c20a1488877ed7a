// Progressive enhancement only: every page works without this.
import { initAll } from "/govuk/govuk-frontend.min.js";

initAll();

// GOV.UK Frontend marks radios and checkboxes that reveal more questions with
// aria-expanded, which ARIA does not allow on those roles (axe: aria-allowed-attr). The
// revealed questions come straight after the option, in reading order, so the attribute
// adds nothing: take it off once the page is set up and after every change.
const conditional = "input[aria-controls][aria-expanded]";
const tidy = () => {
  for (const input of document.querySelectorAll(`.govuk-radios ${conditional}, .govuk-checkboxes ${conditional}`)) {
    input.removeAttribute("aria-expanded");
  }
};
tidy();
document.addEventListener("click", tidy);
document.addEventListener("change", tidy);
window.addEventListener("pageshow", tidy);
