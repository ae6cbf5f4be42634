/* What pydata-sphinx-theme 0.24.0 writes as inline scripts, from a file:
 * the site's Content-Security-Policy (deploy/nginx/) runs no inline script.
 *
 * Loaded, not deferred, in the head of every page, after Sphinx's
 * documentation_options.js (techblog/site/inline_scripts.py puts it where
 * the theme's inline scripts were). It sets the colour mode the reader chose
 * before the page is drawn, and the two settings the theme's own script
 * reads from DOCUMENTATION_OPTIONS; the values are this tag's data-*.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var mode = script.getAttribute("data-default-mode") || "";
  document.documentElement.dataset.mode = localStorage.getItem("mode") || mode;
  document.documentElement.dataset.theme = localStorage.getItem("theme") || mode;
  DOCUMENTATION_OPTIONS.pagename = script.getAttribute("data-pagename");
  DOCUMENTATION_OPTIONS.search_as_you_type = script.getAttribute("data-search-as-you-type") === "true";
})();
