// Starts GOV.UK Frontend's components. Served from /static/ like everything else (no CDN).
import { initAll } from "../build/govuk-frontend.min.js";

initAll();
