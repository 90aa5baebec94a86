// Copies the Lucide icons the stylesheet uses (static/src/tandem.css, as CSS masks) from the
// lucide-static npm package into static/vendor/icons/. Add an icon here before using it.
import { copyFileSync, mkdirSync } from "node:fs";

const ICONS = [
  "calendar",
  "check",
  "chevron-down",
  "circle",
  "circle-alert",
  "circle-check",
  "circle-dot",
  "circle-x",
  "menu",
  "pencil",
  "signal-high",
  "signal-low",
  "signal-medium",
  "x",
];

mkdirSync("static/vendor/icons", { recursive: true });
for (const name of ICONS) {
  copyFileSync(`node_modules/lucide-static/icons/${name}.svg`, `static/vendor/icons/${name}.svg`);
}
