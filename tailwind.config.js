/** Tailwind configuration, honoured by the v4 CLI through `@config` in static/src/tandem.css.
 *
 * `content` lists every file that emits class names: our templates, Python files that build
 * markup (tables, forms, widgets) and crispy-tailwind's own templates inside the virtualenv
 * (without them their classes would be purged from the built CSS).
 */
module.exports = {
  content: [
    "./templates/**/*.html",
    "./web/**/*.py",
    "./accounts/**/*.py",
    "./workspace/**/*.py",
    "./static/js/**/*.js",
    "./.venv/lib/python3*/site-packages/crispy_tailwind/templates/**/*.html",
  ],
  // Colours, radii and shadows are design tokens in static/src/tandem.css (@theme).
  plugins: [],
};
