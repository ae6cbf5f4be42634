/* Search results show each post's date.
 *
 * Sphinx 9.0's searchtools.js draws a result as the page title and a snippet
 * of its text, made by Search.makeSearchSummary from the result page's HTML,
 * which it has just fetched. Sphinx has no option for more; this wraps that
 * function to put the post's date (from the page's post header) in front of
 * the snippet. Pages that are not posts keep their plain snippet.
 *
 * It also puts the cursor in the search field, as the theme's search page
 * does with an inline script (which _templates/search.html leaves out: the
 * site's Content-Security-Policy runs no inline script).
 */
(function () {
  "use strict";
  var field = document.querySelector("form.bd-search input");
  if (field) {
    field.focus();
    field.select();
  }
})();

(function () {
  "use strict";
  if (typeof Search === "undefined" || typeof Search.makeSearchSummary !== "function") {
    return;
  }
  var makeSummary = Search.makeSearchSummary;
  Search.makeSearchSummary = function (htmlText, keywords, anchor) {
    var summary = makeSummary(htmlText, keywords, anchor);
    var page = new DOMParser().parseFromString(htmlText, "text/html");
    var posted = page.querySelector(".techblog-post-header time.post-date");
    if (!posted) {
      return summary;
    }
    var date = document.createElement("time");
    date.className = "search-result-date";
    date.dateTime = posted.getAttribute("datetime");
    date.textContent = posted.textContent.trim();
    var result = document.createElement("div");
    result.className = "search-result-meta";
    result.appendChild(date);
    if (summary) {
      result.appendChild(summary);
    }
    return result;
  };
})();
