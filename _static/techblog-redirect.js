/* A page of the old blog's address sends the reader on to its new page,
 * keeping the #c123 anchor of a comment link (a meta refresh would drop it;
 * the page has one for readers without JavaScript). The target is this tag's
 * data-to; the page is _templates/redirect.html. A file, not an inline
 * script: the site's Content-Security-Policy runs none.
 */
(function () {
  "use strict";
  window.location.replace(document.currentScript.getAttribute("data-to") + window.location.hash);
})();
