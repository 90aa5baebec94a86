// Copies the Lucide icons the stylesheet uses (static/src/tandem.css, as CSS masks) from the
// lucide-static npm package into static/vendor/icons/. Add an icon here before using it.
import { copyFileSync, mkdirSync } from "node:fs";

const ICONS = [
  "activity",
  "calendar",
  "chart-column",
  "check",
  "chevron-down",
  "circle",
  "circle-alert",
  "circle-check",
  "circle-dot",
  "circle-x",
  "folder",
  "inbox",
  "layout-dashboard",
  "list-todo",
  "menu",
  "monitor",
  "moon",
  "pencil",
  "plus",
  "settings",
  "signal-high",
  "signal-low",
  "signal-medium",
  "square-kanban",
  "sun",
  "tag",
  "trash-2",
  "upload",
  "user",
  "users",
  "x",
];

mkdirSync("static/vendor/icons", { recursive: true });
for (const name of ICONS) {
  copyFileSync(`node_modules/lucide-static/icons/${name}.svg`, `static/vendor/icons/${name}.svg`);
}
