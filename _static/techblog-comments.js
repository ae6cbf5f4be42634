/* Live comments (Isso) that never hold the page up.
 *
 * Added to every page, deferred, when conf.py's techblog_comments_server is
 * set (the address is this tag's data-comments-server). On a post it asks
 * the comment server for its /config first; only when that answers does it
 * load Isso's embed script into #isso-thread. If the server is down, slow or
 * refuses this site, the thread's box (height reserved in techblog.css) says
 * comments are unavailable instead. On listings it loads Isso's count script
 * for the "Comments" links the same way, or leaves the links as they are.
 */
(function () {
  "use strict";

  var TIMEOUT_MS = 6000;
  var script = document.currentScript;
  var server = ((script && script.getAttribute("data-comments-server")) || "").replace(/\/+$/, "");
  var thread = document.getElementById("isso-thread");
  var counts = document.querySelector("a.comment-count");
  if (!server || (!thread && !counts)) {
    return;
  }
  var section = thread ? thread.closest(".techblog-live-comments") : null;

  // Isso's options; the server's own settings (moderation, reply
  // notifications, required fields) still win, Isso fetches them itself.
  var options = {
    "data-isso": server,
    "data-isso-css": "true",
    "data-isso-lang": document.documentElement.lang || "en",
    "data-isso-vote": "false",
    "data-isso-gravatar": "false", // no requests to a third party
    "data-isso-avatar": "true", // identicons drawn locally
    "data-isso-sorting": "oldest",
    "data-isso-num-comments-text-en": "One comment\n{{ n }} comments",
    "data-isso-no-comments-text-en": "No comments yet",
  };

  function show(state) {
    if (!section) {
      return;
    }
    section.setAttribute("data-comments-state", state);
    section.querySelector(".comments-loading").hidden = true;
    section.querySelector(".comments-unavailable").hidden = state !== "unavailable";
    thread.hidden = state === "unavailable";
  }

  function loadScript(name) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      Object.keys(options).forEach(function (key) {
        tag.setAttribute(key, options[key]);
      });
      tag.src = server + "/js/" + name;
      tag.onload = resolve;
      tag.onerror = function () {
        reject(new Error("could not load " + tag.src));
      };
      document.head.appendChild(tag);
    });
  }

  // Isso titles the thread (its comment count) with an h4, right under the
  // section's h2: one level down for screen readers, not two (axe: heading-order).
  function levelHeading() {
    var heading = thread.querySelector(".isso-thread-heading");
    if (heading) {
      heading.setAttribute("aria-level", "3");
    }
    return heading;
  }
  if (thread) {
    new MutationObserver(function (records, observer) {
      if (levelHeading()) {
        observer.disconnect();
      }
    }).observe(thread, { childList: true, subtree: true });
  }

  var controller = new AbortController();
  var timer = setTimeout(function () {
    controller.abort();
  }, TIMEOUT_MS);

  fetch(server + "/config", { signal: controller.signal, mode: "cors" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("comment server answered " + response.status);
      }
      return response.json();
    })
    .then(function () {
      clearTimeout(timer);
      return loadScript(thread ? "embed.min.js" : "count.min.js");
    })
    .then(function () {
      show("ready");
    })
    .catch(function (error) {
      clearTimeout(timer);
      show("unavailable");
      if (window.console) {
        console.info("Comments unavailable:", error.message || error);
      }
    });
})();
